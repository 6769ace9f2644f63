"""A real S3 API on 127.0.0.1: moto's standalone server in a subprocess, spoken to by the real s3fs/boto3.

The server runs apart from the tests' process, as a store would: the builds' worker processes reach it
over HTTP like any endpoint. `auth=True` starts one that checks signatures and IAM policies (moto does
that only after its first unauthenticated actions, which create the users).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

from support import BIN, free_port

REGION = "us-east-1"
# Distinctive, so that a test can grep every output for them.
KEY_ID = "AKIAPIPELINESTEST0001"
SECRET = "pipelines-test-secret-5b8d0e6c2f"
# The actions an auth server takes unauthenticated to set itself up (see start's setup).
SETUP_ACTIONS = 4


class S3Server:
    """moto_server on a free port; `env` points AWS clients at it."""

    def __init__(self, auth: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {"PATH": str(BIN), "MOTO_PORT": str(self.port)}
        if auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_ACTIONS)
        self.process = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not start on {self.url}") from None
                time.sleep(0.1)
        self.key_id, self.secret = KEY_ID, SECRET
        if auth:
            self.key_id, self.secret = self._user_with_one_bucket("open")

    @property
    def env(self) -> dict[str, str]:
        """The standard variables every AWS client reads: endpoint, credentials, region."""
        return {"AWS_ENDPOINT_URL_S3": self.url, "AWS_ACCESS_KEY_ID": self.key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret, "AWS_DEFAULT_REGION": REGION}

    def client(self, service: str = "s3"):
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=self.key_id, aws_secret_access_key=self.secret)

    def bucket(self, name: str) -> str:
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        return name

    def upload(self, folder: Path, bucket: str, prefix: str) -> list[str]:
        """Upload every file under `folder` to s3://bucket/prefix/, keeping relative paths."""
        self.bucket(bucket)
        client, keys = self.client(), []
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            key = f"{prefix.strip('/')}/{path.relative_to(folder)}"
            client.upload_file(str(path), bucket, key)
            keys.append(key)
        return keys

    def _user_with_one_bucket(self, bucket: str) -> tuple[str, str]:
        """An IAM user allowed everything on `bucket` and creating buckets, nothing else; the server
        checks every request from the fourth on."""
        iam = self.client("iam")
        iam.create_user(UserName="builder")
        statements = [{"Effect": "Allow", "Action": "s3:*",
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
                      {"Effect": "Allow", "Action": "s3:CreateBucket", "Resource": "*"}]
        iam.put_user_policy(UserName="builder", PolicyName="one-bucket",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        key = iam.create_access_key(UserName="builder")["AccessKey"]
        self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        self.bucket(bucket)  # the fourth action, the last one unauthenticated
        return self.key_id, self.secret

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
