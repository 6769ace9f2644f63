"""Sample inputs the project writes itself: the WARC files behind the web-demo recipe."""
