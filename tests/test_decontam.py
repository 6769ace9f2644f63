"""Decontamination: authored benchmark items planted in a clean corpus are found, and nothing else is."""

from __future__ import annotations

import gzip
import json
import pickle
import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pages import load_pages

from pipelines.errors import USER_ERRORS
from transforms.decontam import BENCHMARK_SHAPES, NGramIndex, load_benchmark, normalize_tokens

PAGES = load_pages("sample")

# GSM8K-like word problems: (question, answer with calculator annotations and the final "#### n").
GSM8K = [
    ("Maya buys 4 packs of stickers with 12 stickers in each pack. She gives 9 stickers to her brother. "
     "How many stickers does Maya have left?",
     "Maya buys 4 * 12 = <<4*12=48>>48 stickers. After giving some away she has 48 - 9 = <<48-9=39>>39 "
     "stickers.\n#### 39"),
    ("A bakery sells muffins for $3 each and scones for $2 each. On Monday it sold 25 muffins and 40 scones. "
     "How much money did the bakery make on Monday?",
     "Muffins brought in 25 * 3 = <<25*3=75>>75 dollars. Scones brought in 40 * 2 = <<40*2=80>>80 dollars. "
     "In total the bakery made 75 + 80 = <<75+80=155>>155 dollars.\n#### 155"),
    ("Tomas runs 3 miles every weekday and 5 miles on each day of the weekend. How many miles does he run "
     "in two weeks?",
     "Each week he runs 5 * 3 + 2 * 5 = <<5*3+2*5=25>>25 miles. In two weeks he runs 25 * 2 = <<25*2=50>>50 "
     "miles.\n#### 50"),
    ("A garden has 6 rows of tomato plants with 8 plants in each row. A storm knocks down 11 plants. How "
     "many tomato plants are still standing?",
     "There were 6 * 8 = <<6*8=48>>48 plants. Now 48 - 11 = <<48-11=37>>37 are standing.\n#### 37"),
    ("Priya reads 15 pages of her novel each night. The novel has 330 pages. How many nights will it take "
     "her to finish it?",
     "It takes 330 / 15 = <<330/15=22>>22 nights.\n#### 22"),
    ("A school trip needs buses that hold 45 students each. There are 312 students going on the trip. How "
     "many buses does the school need to order?",
     "312 / 45 is 6 with 42 left over, so 6 buses are not enough. The school needs 6 + 1 = <<6+1=7>>7 "
     "buses.\n#### 7"),
    ("Leo saved $18 in January, twice as much in February, and $10 less than February in March. How much "
     "did he save over the three months?",
     "In February he saved 18 * 2 = <<18*2=36>>36 dollars. In March he saved 36 - 10 = <<36-10=26>>26 "
     "dollars. Altogether he saved 18 + 36 + 26 = <<18+36+26=80>>80 dollars.\n#### 80"),
    ("A rectangular pool is 20 meters long and 8 meters wide. What is the distance around the edge of the "
     "pool?",
     "The perimeter is 2 * (20 + 8) = <<2*(20+8)=56>>56 meters.\n#### 56"),
    ("Grandma knits 3 scarves a week. Each scarf uses 2 balls of yarn costing $4 a ball. How much does she "
     "spend on yarn in 5 weeks?",
     "In 5 weeks she knits 3 * 5 = <<3*5=15>>15 scarves. They use 15 * 2 = <<15*2=30>>30 balls of yarn. "
     "The yarn costs 30 * 4 = <<30*4=120>>120 dollars.\n#### 120"),
    ("A train travels at 80 kilometers per hour for 3 hours and then at 60 kilometers per hour for 2 hours. "
     "How far does it travel in total?",
     "First it covers 80 * 3 = <<80*3=240>>240 km, then 60 * 2 = <<60*2=120>>120 km. In total it travels "
     "240 + 120 = <<240+120=360>>360 km.\n#### 360"),
    ("Nadia has 3 times as many marbles as Owen. Together they have 64 marbles. How many marbles does "
     "Nadia have?",
     "Together they have 3 + 1 = <<3+1=4>>4 shares, so one share is 64 / 4 = <<64/4=16>>16 marbles. Nadia "
     "has 16 * 3 = <<16*3=48>>48 marbles.\n#### 48"),
    ("A shop marks a $60 jacket down by 25 percent. What is the sale price of the jacket?",
     "The discount is 60 * 25 / 100 = <<60*25/100=15>>15 dollars, so the price is 60 - 15 = <<60-15=45>>45 "
     "dollars.\n#### 45"),
    ("Carlos fills a 200 liter water tank with a hose that delivers 8 liters per minute. How many minutes "
     "does it take to fill the empty tank?",
     "It takes 200 / 8 = <<200/8=25>>25 minutes.\n#### 25"),
    ("An orchard picks 540 apples and packs them into crates of 36. How many crates are filled?",
     "540 / 36 = <<540/36=15>>15 crates are filled.\n#### 15"),
    ("Ines earns $14 an hour and works 6 hours on Saturday and 4 hours on Sunday. How much does she earn "
     "over the weekend?",
     "She works 6 + 4 = <<6+4=10>>10 hours and earns 10 * 14 = <<10*14=140>>140 dollars.\n#### 140"),
    ("A library had 1,250 books. It received a donation of 340 books and removed 95 damaged ones. How many "
     "books does the library have now?",
     "After the donation it had 1250 + 340 = <<1250+340=1590>>1590 books. After removing the damaged ones it "
     "has 1590 - 95 = <<1590-95=1495>>1495 books.\n#### 1495"),
    ("Ravi's cat eats half a can of food every morning and a third of a can every evening. How many cans "
     "does the cat eat in 12 days?",
     "Each day the cat eats 1/2 + 1/3 = <<1/2+1/3=5/6>>5/6 of a can. In 12 days it eats 12 * 5/6 = "
     "<<12*5/6=10>>10 cans.\n#### 10"),
    ("A farmer has chickens and cows. He counts 30 heads and 74 legs. How many cows does he have?",
     "If all 30 were chickens there would be 60 legs. The extra 74 - 60 = <<74-60=14>>14 legs come from "
     "cows, two extra each, so there are 14 / 2 = <<14/2=7>>7 cows.\n#### 7"),
    ("Emma's phone battery loses 8 percent of its charge every hour. She starts the day at 100 percent. What "
     "is the charge after 7 hours?",
     "It loses 8 * 7 = <<8*7=56>>56 percent, leaving 100 - 56 = <<100-56=44>>44 percent.\n#### 44"),
    ("A pizza is cut into 12 slices. Four friends each eat 2 slices and the rest is saved for later. What "
     "fraction of the pizza is saved?",
     "The friends eat 4 * 2 = <<4*2=8>>8 slices, so 12 - 8 = <<12-8=4>>4 are saved, which is 4/12 = 1/3 of "
     "the pizza.\n#### 1/3"),
    ("Jun plants 7 sunflower seeds each day for 9 days, but birds eat 13 of the seeds. How many seeds are "
     "left to grow?",
     "Jun plants 7 * 9 = <<7*9=63>>63 seeds. After the birds, 63 - 13 = <<63-13=50>>50 seeds are left.\n"
     "#### 50"),
    ("A cinema has 18 rows with 22 seats in each row. For a matinee 287 tickets are sold. How many seats "
     "are empty?",
     "The cinema has 18 * 22 = <<18*22=396>>396 seats. 396 - 287 = <<396-287=109>>109 seats are empty.\n"
     "#### 109"),
    ("Olga buys 3 notebooks at $2.50 each and a pen for $1.75. She pays with a $10 bill. How much change "
     "does she get?",
     "The notebooks cost 3 * 2.50 = <<3*2.5=7.5>>7.50 dollars. With the pen the total is 7.50 + 1.75 = "
     "<<7.5+1.75=9.25>>9.25 dollars. Her change is 10 - 9.25 = <<10-9.25=0.75>>0.75 dollars.\n#### 0.75"),
    ("A cyclist rides 18 kilometers in 45 minutes. At the same speed, how far does she ride in 2 hours?",
     "She rides 18 / 45 = 0.4 km per minute, so in 120 minutes she rides 0.4 * 120 = <<0.4*120=48>>48 km.\n"
     "#### 48"),
    ("The temperature at dawn was -4 degrees and it rose by 3 degrees every hour until noon, 6 hours later. "
     "What was the temperature at noon?",
     "It rose 3 * 6 = <<3*6=18>>18 degrees, so it was -4 + 18 = <<-4+18=14>>14 degrees.\n#### 14"),
    ("A class of 28 students is split into teams of 4 for a science fair. Each team needs 3 poster boards. "
     "How many poster boards are needed?",
     "There are 28 / 4 = <<28/4=7>>7 teams needing 7 * 3 = <<7*3=21>>21 poster boards.\n#### 21"),
    ("Hugo's aquarium holds 96 liters. He replaces a quarter of the water each week. How many liters of "
     "fresh water does he add in 6 weeks?",
     "Each week he adds 96 / 4 = <<96/4=24>>24 liters. In 6 weeks he adds 24 * 6 = <<24*6=144>>144 liters.\n"
     "#### 144"),
    ("A store receives 15 boxes of pencils with 144 pencils in each box. It sells 1,800 pencils in a month. "
     "How many pencils remain?",
     "The store receives 15 * 144 = <<15*144=2160>>2160 pencils. 2160 - 1800 = <<2160-1800=360>>360 "
     "remain.\n#### 360"),
    ("Zara walks her dog for 35 minutes twice a day. How many hours does she spend walking the dog in a "
     "30-day month?",
     "She walks 35 * 2 = <<35*2=70>>70 minutes a day, 70 * 30 = <<70*30=2100>>2100 minutes a month, which "
     "is 2100 / 60 = <<2100/60=35>>35 hours.\n#### 35"),
    ("A recipe uses 3 eggs for every 2 cups of flour. How many eggs are needed for 10 cups of flour?",
     "10 cups is 10 / 2 = <<10/2=5>>5 batches, needing 5 * 3 = <<5*3=15>>15 eggs.\n#### 15"),
    ("Mr. Alvarez drives 42 miles to work and back each day, five days a week. His car uses one gallon of "
     "fuel every 28 miles. How many gallons does he use in a week?",
     "He drives 42 * 5 = <<42*5=210>>210 miles a week and uses 210 / 28 = <<210/28=7.5>>7.5 gallons.\n"
     "#### 7.5"),
    ("A painter needs 1 can of paint for every 40 square meters. A wall is 12 meters long and 5 meters high "
     "and needs two coats. How many cans does she need?",
     "The wall is 12 * 5 = <<12*5=60>>60 square meters, so two coats cover 60 * 2 = <<60*2=120>>120 square "
     "meters, needing 120 / 40 = <<120/40=3>>3 cans.\n#### 3"),
    ("Kofi had 250 trading cards. He sold 40 percent of them and then bought 35 new ones. How many cards "
     "does he have now?",
     "He sold 250 * 40 / 100 = <<250*40/100=100>>100 cards, leaving 150. After buying more he has 150 + 35 "
     "= <<150+35=185>>185 cards.\n#### 185"),
    ("A beekeeper harvests 18 kilograms of honey from each of her 7 hives and sells it in jars of half a "
     "kilogram. How many jars does she fill?",
     "She harvests 18 * 7 = <<18*7=126>>126 kg, which fills 126 / 0.5 = <<126/0.5=252>>252 jars.\n#### 252"),
    ("Two trains are 300 kilometers apart and travel toward each other at 70 and 80 kilometers per hour. "
     "After how many hours do they meet?",
     "They close the gap at 70 + 80 = <<70+80=150>>150 km per hour, so they meet after 300 / 150 = "
     "<<300/150=2>>2 hours.\n#### 2"),
    ("Sofia collects 5 seashells on the first day of her holiday and each day after that she collects 3 "
     "more than the day before. How many shells does she collect on the fifth day?",
     "On the fifth day she collects 5 + 4 * 3 = <<5+4*3=17>>17 shells.\n#### 17"),
    ("A parking garage charges $4 for the first hour and $2.50 for each additional hour. How much does it "
     "cost to park for 6 hours?",
     "The first hour costs 4 dollars and the other 5 hours cost 5 * 2.50 = <<5*2.5=12.5>>12.50 dollars, so "
     "the total is 4 + 12.50 = <<4+12.5=16.5>>16.50 dollars.\n#### 16.50"),
    ("Each of the 9 volunteers at a food bank packs 24 bags an hour. How many bags do they pack in a 3-hour "
     "shift?",
     "Together they pack 9 * 24 = <<9*24=216>>216 bags an hour and 216 * 3 = <<216*3=648>>648 bags in the "
     "shift.\n#### 648"),
    ("Amir is 4 years older than his sister, and in 6 years the sum of their ages will be 40. How old is "
     "Amir now?",
     "In 6 years their ages add up to 40, so now they add up to 40 - 12 = <<40-12=28>>28. His sister is "
     "(28 - 4) / 2 = <<(28-4)/2=12>>12 and Amir is 12 + 4 = <<12+4=16>>16.\n#### 16"),
    ("A water bottle factory produces 1,200 bottles an hour, and 2 percent of them fail inspection. How many "
     "bottles pass inspection in an 8-hour day?",
     "The factory makes 1200 * 8 = <<1200*8=9600>>9600 bottles, of which 9600 * 2 / 100 = "
     "<<9600*2/100=192>>192 fail, so 9600 - 192 = <<9600-192=9408>>9408 pass.\n#### 9408"),
    ("Lena splits a bill of $84 with three friends, and each of them also leaves a $3 tip. How much does "
     "each person pay?",
     "Each pays 84 / 4 = <<84/4=21>>21 dollars plus a 3 dollar tip, so 21 + 3 = <<21+3=24>>24 dollars.\n"
     "#### 24"),
    ("A fence around a square field uses 96 meters of wire. What is the area of the field in square meters?",
     "Each side is 96 / 4 = <<96/4=24>>24 meters, so the area is 24 * 24 = <<24*24=576>>576 square meters.\n"
     "#### 576"),
    ("A hiking trail is 14 kilometers long. Dana hikes 3.5 kilometers an hour and rests for 30 minutes "
     "halfway. How long does the hike take in hours?",
     "Walking takes 14 / 3.5 = <<14/3.5=4>>4 hours, plus half an hour of rest, so 4.5 hours.\n#### 4.5"),
    ("A choir of 45 singers stands in rows of equal length, with 4 more singers in each row than there are "
     "rows. How many rows are there?",
     "If there are r rows then r * (r + 4) = 45, and 5 * 9 = <<5*9=45>>45, so there are 5 rows.\n#### 5"),
    ("Mina's plant grows 1.5 centimeters a week. It is 12 centimeters tall today. How tall will it be in "
     "10 weeks?",
     "It will grow 1.5 * 10 = <<1.5*10=15>>15 cm to reach 12 + 15 = <<12+15=27>>27 cm.\n#### 27"),
    ("A toy factory paints 480 wooden cars a day. One in every 16 cars gets a red roof. How many "
     "red-roofed cars are painted in a 5-day week?",
     "Each day 480 / 16 = <<480/16=30>>30 cars get red roofs, so 30 * 5 = <<30*5=150>>150 in a week.\n"
     "#### 150"),
    ("Pedro buys a bike for $240 and pays it off in equal monthly payments of $30. How many months does it "
     "take?",
     "It takes 240 / 30 = <<240/30=8>>8 months.\n#### 8"),
    ("A museum had 2,340 visitors on Saturday and 15 percent fewer on Sunday. How many visitors came on "
     "Sunday?",
     "Sunday had 2340 * 15 / 100 = <<2340*15/100=351>>351 fewer visitors, so 2340 - 351 = "
     "<<2340-351=1989>>1989 came.\n#### 1989"),
    ("A box of 48 crayons is shared equally among 6 children, and each child gives 2 crayons to a teacher. "
     "How many crayons does each child keep?",
     "Each child gets 48 / 6 = <<48/6=8>>8 crayons and keeps 8 - 2 = <<8-2=6>>6.\n#### 6"),
    ("Ahmed types 55 words per minute. His essay has 2,200 words. How many minutes does it take him to type "
     "it?",
     "It takes 2200 / 55 = <<2200/55=40>>40 minutes.\n#### 40"),
    ("A sandwich shop uses 3 slices of cheese per sandwich and a pack holds 24 slices. How many packs does "
     "it need for 56 sandwiches?",
     "It needs 56 * 3 = <<56*3=168>>168 slices, which is 168 / 24 = <<168/24=7>>7 packs.\n#### 7"),
    ("Ruth's savings account pays 5 percent interest once a year. She deposits $800. How much is in the "
     "account after one year?",
     "The interest is 800 * 5 / 100 = <<800*5/100=40>>40 dollars, so she has 800 + 40 = <<800+40=840>>840 "
     "dollars.\n#### 840"),
    ("A spider has 8 legs and an ant has 6. A jar holds 5 spiders and some ants with 76 legs in all. How "
     "many ants are in the jar?",
     "The spiders have 5 * 8 = <<5*8=40>>40 legs, leaving 76 - 40 = <<76-40=36>>36 legs for 36 / 6 = "
     "<<36/6=6>>6 ants.\n#### 6"),
    ("A ferry makes 8 round trips a day and carries 120 passengers each way. How many passengers can it "
     "carry in a day?",
     "Each round trip carries 120 * 2 = <<120*2=240>>240 passengers, so 240 * 8 = <<240*8=1920>>1920 a "
     "day.\n#### 1920"),
    ("Yuki practices piano for 40 minutes on weekdays and 90 minutes on Saturdays, and rests on Sundays. "
     "How many minutes does she practice in a week?",
     "She practices 40 * 5 + 90 = <<40*5+90=290>>290 minutes a week.\n#### 290"),
    ("A printer prints 18 pages a minute. How many seconds does it take to print a 63-page report?",
     "It prints 18 / 60 = 0.3 pages a second, so 63 pages take 63 / 0.3 = <<63/0.3=210>>210 seconds.\n"
     "#### 210"),
    ("Three brothers share $1,500 in the ratio 2 : 3 : 5. How much does the youngest, who gets the smallest "
     "share, receive?",
     "There are 2 + 3 + 5 = <<2+3+5=10>>10 parts of 1500 / 10 = <<1500/10=150>>150 dollars, so the youngest "
     "gets 2 * 150 = <<2*150=300>>300 dollars.\n#### 300"),
    ("A snail climbs 3 meters up a well each day and slides back 2 meters each night. The well is 10 meters "
     "deep. On which day does the snail reach the top?",
     "After 7 days and nights it is 7 meters up. On day 8 it climbs 3 more meters to reach 7 + 3 = "
     "<<7+3=10>>10 meters.\n#### 8"),
    ("A box weighs 2 kilograms empty and each book put in it weighs 0.6 kilograms. How many books are in "
     "the box if it weighs 11 kilograms?",
     "The books weigh 11 - 2 = <<11-2=9>>9 kg, which is 9 / 0.6 = <<9/0.6=15>>15 books.\n#### 15"),
    ("Isla's lemonade stand sells cups for 75 cents. She spent $12 on lemons and sugar. How many cups must "
     "she sell to make a profit of $18?",
     "She needs 12 + 18 = <<12+18=30>>30 dollars of sales, which is 30 / 0.75 = <<30/0.75=40>>40 cups.\n"
     "#### 40"),
]

# HumanEval-like tasks: (function prompt with its docstring, canonical solution body).
HUMANEVAL = [
    ('from typing import List\n\n\ndef has_close_pair(numbers: List[float], gap: float) -> bool:\n'
     '    """Return True if any two numbers in the list are closer to each other than the given gap.\n'
     '    >>> has_close_pair([1.0, 2.5, 2.7], 0.5)\n    True\n    """\n',
     '    for i, a in enumerate(numbers):\n        for b in numbers[i + 1:]:\n'
     '            if abs(a - b) < gap:\n                return True\n    return False\n'),
    ('from typing import List\n\n\ndef running_max(values: List[int]) -> List[int]:\n'
     '    """Return the running maximum: element i is the largest of the first i + 1 values.\n'
     '    >>> running_max([3, 1, 4, 1, 5])\n    [3, 3, 4, 4, 5]\n    """\n',
     '    result, best = [], None\n    for v in values:\n        best = v if best is None else max(best, v)\n'
     '        result.append(best)\n    return result\n'),
    ('def count_vowels(word: str) -> int:\n'
     '    """Count the vowels a, e, i, o and u in a word, ignoring case.\n'
     '    >>> count_vowels("Banana")\n    3\n    """\n',
     '    return sum(1 for ch in word.lower() if ch in "aeiou")\n'),
    ('def is_palindrome(text: str) -> bool:\n'
     '    """Check whether a text reads the same backwards, looking only '
     'at letters and digits.\n    >>> is_palindrome("Never odd or even")\n    True\n    """\n',
     '    cleaned = [c.lower() for c in text if c.isalnum()]\n    return cleaned == cleaned[::-1]\n'),
    ('def reverse_words(sentence: str) -> str:\n'
     '    """Return the words of a sentence in reverse order, single '
     'spaced.\n    >>> reverse_words("the quick brown fox")\n    \'fox brown quick the\'\n    """\n',
     '    return " ".join(reversed(sentence.split()))\n'),
    ('from typing import List\n\n\ndef mean(xs: List[float]) -> float:\n'
     '    """Return the arithmetic mean of a '
     'non-empty list of numbers.\n    >>> mean([1.0, 2.0, 6.0])\n    3.0\n    """\n',
     '    return sum(xs) / len(xs)\n'),
    ('def flip(s: str) -> str:\n    """Return the characters of a string in reverse order.\n'
     '    >>> flip("stressed")\n    \'desserts\'\n    """\n',
     '    return s[::-1]\n'),
    ('def fizzbuzz_word(n: int) -> str:\n'
     '    """Return Fizz for multiples of three, Buzz for multiples of five, '
     'FizzBuzz for both, else the number itself as text.\n    >>> fizzbuzz_word(15)\n    \'FizzBuzz\'\n'
     '    """\n',
     '    if n % 15 == 0:\n        return "FizzBuzz"\n    if n % 3 == 0:\n        return "Fizz"\n'
     '    if n % 5 == 0:\n        return "Buzz"\n    return str(n)\n'),
    ('def digit_sum(n: int) -> int:\n    """Return the sum of the decimal digits of a non-negative integer.\n'
     '    >>> digit_sum(9045)\n    18\n    """\n',
     '    total = 0\n    while n:\n        n, d = divmod(n, 10)\n        total += d\n    return total\n'),
    ('from typing import List\n\n\ndef merge_sorted(a: List[int], b: List[int]) -> List[int]:\n'
     '    """Merge two ascending lists into one ascending list without calling sort.\n'
     '    >>> merge_sorted([1, 4, 9], [2, 3, 10])\n    [1, 2, 3, 4, 9, 10]\n    """\n',
     '    out, i, j = [], 0, 0\n    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n'
     '            out.append(a[i])\n            i += 1\n        else:\n            out.append(b[j])\n'
     '            j += 1\n    return out + a[i:] + b[j:]\n'),
    ('from typing import List\n\n\ndef chunk(items: List[int], size: int) -> List[List[int]]:\n'
     '    """Split a list into consecutive pieces of the given size; the last piece may be shorter.\n'
     '    >>> chunk([1, 2, 3, 4, 5], 2)\n    [[1, 2], [3, 4], [5]]\n    """\n',
     '    return [items[i:i + size] for i in range(0, len(items), size)]\n'),
    ('def gcd(a: int, b: int) -> int:\n    """Return the greatest common divisor of two positive integers '
     'using the Euclidean algorithm.\n    >>> gcd(84, 36)\n    12\n    """\n',
     '    while b:\n        a, b = b, a % b\n    return a\n'),
    ('from typing import Dict\n\n\ndef word_lengths(sentence: str) -> Dict[str, int]:\n'
     '    """Map every distinct word of a sentence to its number of characters.\n'
     '    >>> word_lengths("to be or not")\n    {\'to\': 2, \'be\': 2, \'or\': 2, \'not\': 3}\n    """\n',
     '    return {word: len(word) for word in sentence.split()}\n'),
    ('from typing import List\n\n\ndef rotate_left(xs: List[int], k: int) -> List[int]:\n'
     '    """Rotate a list k places to the left, wrapping elements around to the end.\n'
     '    >>> rotate_left([1, 2, 3, 4, 5], 2)\n    [3, 4, 5, 1, 2]\n    """\n',
     '    if not xs:\n        return xs\n    k %= len(xs)\n    return xs[k:] + xs[:k]\n'),
    ('from typing import List, Optional\n\n\ndef second_largest(xs: List[int]) -> Optional[int]:\n'
     '    """Return the second largest distinct value, or None when there is no such value.\n'
     '    >>> second_largest([4, 9, 9, 2])\n    4\n    """\n',
     '    distinct = sorted(set(xs), reverse=True)\n    return distinct[1] if len(distinct) > 1 else None\n'),
    ('from typing import Any, List\n\n\ndef flatten(nested: List[Any]) -> List[Any]:\n'
     '    """Flatten arbitrarily nested lists into one flat list, keeping the order of the leaves.\n'
     '    >>> flatten([1, [2, [3, 4]], 5])\n    [1, 2, 3, 4, 5]\n    """\n',
     '    out = []\n    for x in nested:\n        if isinstance(x, list):\n'
     '            out.extend(flatten(x))\n'
     '        else:\n            out.append(x)\n    return out\n'),
    ('def caesar_shift(text: str, k: int) -> str:\n    """Shift every lowercase letter k places along the '
     'alphabet, wrapping from z to a; other characters stay.\n    >>> caesar_shift("xyz abc", 2)\n'
     '    \'zab cde\'\n    """\n',
     '    return "".join(chr((ord(c) - 97 + k) % 26 + 97) if c.islower() else c for c in text)\n'),
    ('def is_prime(n: int) -> bool:\n    """Return True when n is a prime number and False otherwise.\n'
     '    >>> is_prime(97)\n    True\n    """\n',
     '    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n'
     '            return False\n        i += 1\n    return True\n'),
    ('from typing import List\n\n\ndef remove_duplicates(xs: List[int]) -> List[int]:\n'
     '    """Drop repeated values and keep the first occurrence of each, in the original order.\n'
     '    >>> remove_duplicates([3, 1, 3, 2, 1])\n    [3, 1, 2]\n    """\n',
     '    seen = set()\n    return [x for x in xs if not (x in seen or seen.add(x))]\n'),
    ('from typing import List\n\n\ndef longest_common_prefix(words: List[str]) -> str:\n'
     '    """Return the longest string that every word in the list starts with.\n'
     '    >>> longest_common_prefix(["flower", "flow", "flight"])\n    \'fl\'\n    """\n',
     '    if not words:\n        return ""\n    prefix = words[0]\n    for w in words[1:]:\n'
     '        while not w.startswith(prefix):\n            prefix = prefix[:-1]\n    return prefix\n'),
]

# MMLU-like multiple choice: (subject, question, four choices, index of the right one).
MMLU = [
    ("astronomy", "Which planet in our solar system has the shortest orbital period around the Sun?",
     ["Mercury", "Venus", "Earth", "Mars"], 0),
    ("biology", "Which organelle is the main site of aerobic respiration in eukaryotic cells?",
     ["The ribosome", "The mitochondrion", "The Golgi apparatus", "The lysosome"], 1),
    ("chemistry", "What is the pH of a solution whose hydrogen ion concentration is one millionth of a mole "
     "per litre?", ["4", "6", "8", "10"], 1),
    ("economics", "In a perfectly competitive market in long-run equilibrium, what is the economic profit of "
     "a typical firm?", ["Positive and large", "Zero", "Negative", "Equal to accounting profit"], 1),
    ("geography", "Which river flows through the capital cities of Austria, Slovakia, Hungary and Serbia?",
     ["The Rhine", "The Elbe", "The Danube", "The Vistula"], 2),
    ("physics", "A ball is dropped from rest and falls freely for three seconds. Ignoring air resistance, "
     "roughly how far has it fallen?", ["15 metres", "29 metres", "44 metres", "90 metres"], 2),
    ("history", "Which treaty, signed in 1648, ended the Thirty Years' War in the Holy Roman Empire?",
     ["The Treaty of Utrecht", "The Peace of Westphalia", "The Treaty of Tordesillas",
      "The Congress of Vienna"], 1),
    ("computer science", "What is the worst-case time complexity of binary search on a sorted array of n "
     "elements?", ["O(1)", "O(log n)", "O(n)", "O(n log n)"], 1),
    ("philosophy", "Which philosopher argued that we can know the world only as it appears to us, never as "
     "a thing in itself?", ["David Hume", "Immanuel Kant", "John Locke", "Baruch Spinoza"], 1),
    ("statistics", "If two independent events each have probability one half, what is the probability that "
     "both occur?", ["One quarter", "One half", "Three quarters", "One"], 0),
    ("law", "Under the doctrine of stare decisis, what are lower courts generally required to follow?",
     ["Legislative debates", "Precedents set by higher courts", "Opinions of legal scholars",
      "Foreign judgments"], 1),
    ("medicine", "Deficiency of which vitamin causes scurvy, with bleeding gums and poor wound healing?",
     ["Vitamin A", "Vitamin B12", "Vitamin C", "Vitamin D"], 2),
    ("mathematics", "How many distinct ways can the letters of the word LEVEL be arranged in a row?",
     ["20", "30", "60", "120"], 1),
    ("psychology", "In classical conditioning, what is a previously neutral stimulus called after it comes "
     "to trigger a learned response?", ["An unconditioned stimulus", "A conditioned stimulus",
                                        "A reinforcer", "An operant"], 1),
    ("sociology", "Which sociologist described the spread of rational, rule-bound organisation in modern "
     "societies as an iron cage?", ["Emile Durkheim", "Karl Marx", "Max Weber", "Georg Simmel"], 2),
    ("electrical engineering", "Two resistors of 6 ohms and 3 ohms are connected in parallel. What is their "
     "combined resistance?", ["2 ohms", "4.5 ohms", "9 ohms", "18 ohms"], 0),
    ("nutrition", "Which macronutrient provides about nine kilocalories of energy per gram?",
     ["Protein", "Carbohydrate", "Fat", "Fibre"], 2),
    ("world religions", "In which city is the Kaaba, the building toward which Muslims pray, located?",
     ["Medina", "Jerusalem", "Mecca", "Cairo"], 2),
    ("anatomy", "Which bone of the human body is commonly called the collarbone by non-specialists?",
     ["The scapula", "The clavicle", "The sternum", "The humerus"], 1),
    ("marketing", "What do marketers call dividing a broad market into groups of consumers with shared "
     "needs and characteristics?", ["Positioning", "Segmentation", "Branding", "Distribution"], 1),
    ("logic", "Which of these rules lets one infer 'not P' from 'if P then Q' together with 'not Q'?",
     ["Modus ponens", "Modus tollens", "Disjunctive syllogism", "Hypothetical syllogism"], 1),
    ("genetics", "A cross between two plants heterozygous for one trait gives what ratio of phenotypes when "
     "the trait shows complete dominance?", ["1 to 1", "2 to 1", "3 to 1", "9 to 3 to 3 to 1"], 2),
    ("astronomy", "What kind of object remains after a star of about one solar mass exhausts its nuclear "
     "fuel and sheds its outer layers?", ["A neutron star", "A black hole", "A white dwarf",
                                         "A red supergiant"], 2),
    ("accounting", "Under double-entry bookkeeping, what must the total debits always equal?",
     ["Total assets", "Total credits", "Net income", "Owner equity"], 1),
    ("international law", "Which body of the United Nations may issue advisory opinions at the request of "
     "the General Assembly?", ["The Security Council", "The International Court of Justice",
                               "The Secretariat", "The Trusteeship Council"], 1),
    ("linguistics", "What do linguists call the smallest unit of sound that distinguishes one word from "
     "another in a language?", ["A morpheme", "A phoneme", "An allophone", "A lexeme"], 1),
    ("computer security", "Which attack tricks a web application into running database commands smuggled "
     "in through user input fields?", ["Cross-site scripting", "SQL injection", "Phishing",
                                       "Denial of service"], 1),
    ("chemistry", "Which element has the highest electronegativity on the Pauling scale?",
     ["Oxygen", "Chlorine", "Nitrogen", "Fluorine"], 3),
    ("econometrics", "Which problem arises when the error terms of a regression have a variance that changes "
     "with the explanatory variables?", ["Multicollinearity", "Heteroskedasticity", "Autocorrelation",
                                         "Endogeneity"], 1),
    ("art history", "Which Dutch painter made the 1889 canvas of a swirling night sky over a small village?",
     ["Rembrandt van Rijn", "Johannes Vermeer", "Vincent van Gogh", "Piet Mondrian"], 2),
]

SHORT_ITEM = "Name the largest moon of Neptune."  # 6 tokens: indexed whole


def sentences() -> list[str]:
    """The sentences of the sample pages' English main texts."""
    texts = [p["main_text"] for p in PAGES if p["lang"] == "en" and p["main_text"]]
    return [s for t in texts for line in t.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s]


def clean_corpus(docs: int, seed: int = 0) -> list[str]:
    """`docs` documents of 2 to 5 lines of 1 to 3 sample sentences, recombined by a seeded RNG."""
    rng, pool = random.Random(seed), sentences()
    return ["\n".join(" ".join(rng.sample(pool, rng.randint(1, 3))) for _ in range(rng.randint(2, 5)))
            for _ in range(docs)]


def write_gsm8k(path: Path) -> Path:
    path.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a in GSM8K))
    return path


def write_humaneval(path: Path) -> Path:
    table = pa.table({"task_id": [f"HumanEval/{i}" for i in range(len(HUMANEVAL))],
                      "prompt": [p for p, _ in HUMANEVAL], "canonical_solution": [s for _, s in HUMANEVAL],
                      "entry_point": [re.search(r"def (\w+)", p)[1] for p, _ in HUMANEVAL]})
    pq.write_table(table, path)
    return path


def write_mmlu(path: Path) -> Path:
    import datasets

    datasets.Dataset.from_dict({
        "subject": [s for s, *_ in MMLU], "question": [q for _, q, _, _ in MMLU],
        "choices": [c for *_, c, _ in MMLU], "answer": [a for *_, a in MMLU],
    }).save_to_disk(str(path))
    return path


def texts_by_item() -> dict[tuple[str, str], list[str]]:
    """Each item's texts as the files hold them (MMLU choices joined as the index joins them)."""
    items: dict[tuple[str, str], list[str]] = {}
    for i, (q, a) in enumerate(GSM8K):
        items[("gsm8k", str(i))] = [q, a]
    for i, (p, s) in enumerate(HUMANEVAL):
        items[("humaneval", f"HumanEval/{i}")] = [p, s]
    for i, (_, q, choices, _) in enumerate(MMLU):
        items[("mmlu", str(i))] = [q, "\n".join(choices)]
    return items


def build_index(folder: Path) -> NGramIndex:
    folder.mkdir(parents=True, exist_ok=True)
    index = NGramIndex()
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", write_gsm8k(folder / "gsm8k.jsonl"), shape="gsm8k"))
    index.add_benchmark("humaneval", load_benchmark("humaneval", write_humaneval(folder / "he.parquet"),
                                                    shape="humaneval"))
    index.add_benchmark("mmlu", load_benchmark("mmlu", write_mmlu(folder / "mmlu"), shape="mmlu"))
    return index


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> NGramIndex:
    return build_index(tmp_path_factory.mktemp("bench"))


# Whitespace a copy may carry between words: runs, tabs, newlines, NBSP and thin spaces.
SPACES = [" ", " ", " ", "  ", "\t", "\n", " \n\n", "\u00a0", "\u2009", "\r\n   "]
MARKS = [",", ";", ":", ".", "!", "?", " -", " —", "…", "”", "'"]


def perturb(text: str, rng: random.Random) -> str:
    """A copy with changed case, punctuation and whitespace (the words stay the same)."""
    words = text.split()
    if rng.random() < 0.2:
        words = [w.upper() for w in words]
    out = []
    for word in words:
        r = rng.random()
        if r < 0.15:
            word = word.upper()
        elif r < 0.3:
            word = word.lower()
        elif r < 0.4:
            word = word.capitalize()
        r = rng.random()
        if r < 0.25:
            word = word.rstrip(".,;:!?")
        elif r < 0.4:
            word += rng.choice(MARKS)
        elif r < 0.45:
            word = f"“{word}”" if rng.random() < 0.5 else f"({word})"
        # Punctuation between word characters becomes other punctuation (a copy's "7 + 3", "7+3", "7 +3").
        word = re.sub(r"(?<=\w)[=*+/-](?=\w)", lambda _: rng.choice(["=", "+", " = ", "/", "·"]), word)
        out.append(word)
    return "".join(w + rng.choice(SPACES) for w in out).strip()


def plant(doc: str, text: str, rng: random.Random) -> str:
    """`text` inserted in a clean document at a random sentence boundary, or between two words."""
    pieces = re.split(r"(?<=[.!?])\s+", doc) if rng.random() < 0.7 else doc.split(" ")
    at = rng.randint(0, len(pieces))
    return " ".join([*pieces[:at], text, *pieces[at:]])


def planted_recall(index: NGramIndex, perturbed: bool, seed: int) -> tuple[float, list, int]:
    """Share of planted texts found with their item, the misses, and documents with a wrong item."""
    rng, hosts = random.Random(seed), clean_corpus(400, seed=seed)
    found, misses, wrong, total = 0, [], 0, 0
    for key, texts in texts_by_item().items():
        for text in texts:
            if len(normalize_tokens(text)) < index.min_tokens:
                continue  # not indexed (too short): counted in index.skipped, not planted
            total += 1
            copy = perturb(text, rng) if perturbed else text
            matches = index.match(plant(rng.choice(hosts), copy, rng))
            found += key in matches
            if key not in matches:
                misses.append((key, copy))
            wrong += any(m != key for m in matches)
    return found / total, misses, wrong


def test_normalize_tokens_folds_case_punctuation_whitespace_and_unicode():
    assert normalize_tokens("Hello,  WORLD!\n\tIt's 3.5 km\u00a0—  snake_case") == \
        ["hello", "world", "it", "s", "3", "5", "km", "snake", "case"]
    assert normalize_tokens("ＦＵＬＬ－ｗｉｄｔｈ Ⅻ “Straße” café") == \
        ["full", "width", "xii", "strasse", "café"]
    assert normalize_tokens("cafe\u0301") == normalize_tokens("café")  # decomposed accent composed
    assert normalize_tokens(" .,;!? ") == []


def test_index_holds_each_benchmark_shape_from_jsonl_parquet_and_datasets(index):
    stats = index.stats()
    assert stats["items"] == {"gsm8k": 60, "humaneval": 20, "mmlu": 30}
    # HumanEval's `return s[::-1]` is 3 words: not indexed. Short texts are indexed whole.
    assert stats["skipped"] == {"gsm8k": {}, "humaneval": {"too_short": 1}, "mmlu": {}}
    assert stats["short_items"]["gsm8k"] > 0 and stats["short_items"]["mmlu"] == 30
    assert min(stats["short_lengths"]) >= 4 and max(stats["short_lengths"]) < 13
    assert stats["ngrams"] > 2000 and stats["bytes"] <= 16 * stats["pairs"]
    assert set(BENCHMARK_SHAPES) == {"gsm8k", "humaneval", "mmlu"}
    # Ids: HumanEval's task_id, GSM8K and MMLU row indices.
    assert index.match(HUMANEVAL[7][0]) == [("humaneval", "HumanEval/7")]
    assert index.match(GSM8K[59][1]) == [("gsm8k", "59")]
    assert index.match("Answers: " + ", ".join(MMLU[29][2])) == [("mmlu", "29")]


def test_verbatim_plants_are_all_found_with_their_item(index):
    recall, misses, wrong = planted_recall(index, perturbed=False, seed=1)
    assert recall == 1.0, misses[:3]
    assert wrong == 0


def test_perturbed_plants_are_found_with_their_item(index):
    recall, misses, wrong = planted_recall(index, perturbed=True, seed=2)
    print(f"perturbed recall {recall:.4f}, misses {len(misses)}, wrong items {wrong}")
    assert recall >= 0.95, misses[:3]
    assert wrong == 0


def test_clean_corpus_is_almost_never_flagged(index):
    docs = clean_corpus(2000, seed=3)
    flagged = [d for d in docs if index.match(d)]
    assert len(flagged) <= 0.001 * len(docs), flagged[:2]


def test_one_shared_ngram_is_enough_and_twelve_words_are_not(index):
    words = GSM8K[0][0].split()
    assert len(normalize_tokens(" ".join(words[3:16]))) == 13
    assert index.match("Intro. " + " ".join(words[3:16]) + " Outro.") == [("gsm8k", "0")]
    assert index.match("Intro. " + " ".join(words[3:15]) + " Outro.") == []


def test_matches_equal_a_brute_force_reference_on_item_fragments(index):
    # The reference compares token tuples directly: no hashing, no prefix sums, no prefilter.
    grams: dict[tuple, set] = {}
    for key, texts in texts_by_item().items():
        for text in texts:
            tokens = tuple(normalize_tokens(text))
            if len(tokens) >= index.min_tokens:
                k = min(len(tokens), 13)
                for i in range(len(tokens) - k + 1):
                    grams.setdefault(tokens[i:i + k], set()).add(key)
    lengths = sorted({len(g) for g in grams})
    rng, pool = random.Random(5), [t for texts in texts_by_item().values() for t in texts]
    hosts, found = clean_corpus(300, seed=5), 0
    for host in hosts:
        pieces = []
        for _ in range(rng.randint(1, 3)):  # fragments of 3 to 18 words cut anywhere in an item
            words = rng.choice(pool).split()
            start = rng.randint(0, len(words) - 1)
            pieces.append(" ".join(words[start:start + rng.randint(3, 18)]))
        doc = plant(host, " ".join(pieces), rng)
        tokens = tuple(normalize_tokens(doc))
        expected = sorted({key for k in lengths for i in range(len(tokens) - k + 1)
                           for key in grams.get(tokens[i:i + k], ())})
        assert index.match(doc) == expected, doc
        found += bool(expected)
    assert 50 < found < 250  # both outcomes are exercised


def test_short_items_match_only_as_a_contiguous_whole(tmp_path):
    path = tmp_path / "quiz.jsonl"
    path.write_text(json.dumps({"id": "q1", "question": SHORT_ITEM}) + "\n"
                    + json.dumps({"id": "q2", "question": "Spell it."}) + "\n")
    index = NGramIndex(13)
    index.add_benchmark("quiz", load_benchmark("quiz", path, fields=["question"], id_field="id"))
    assert index.stats()["short_items"] == {"quiz": 1} and index.skipped["quiz"] == {"too_short": 1}
    doc = "Quiz night! First: NAME the largest\nmoon of neptune?? Then dinner."
    assert index.match(doc) == [("quiz", "q1")]
    assert index.match(SHORT_ITEM) == [("quiz", "q1")]
    assert index.match("Name the largest moon of") == []  # part of it
    assert index.match("Name the largest known moon of Neptune.") == []  # a word inside it
    assert index.match("Neptune: name of the largest moon.") == []  # its words, another order
    assert index.match("Spell it. Spell it.") == []  # too short to index


def test_explicit_fields_override_the_shape(tmp_path):
    path = write_gsm8k(tmp_path / "gsm8k.jsonl")
    index = NGramIndex()
    index.add_benchmark("q", load_benchmark("q", path, fields=["question"], shape="gsm8k"))
    assert index.match(GSM8K[1][0]) == [("q", "1")] and index.match(GSM8K[1][1]) == []


def test_bad_records_are_counted_and_skipped(tmp_path):
    path = tmp_path / "gsm8k.jsonl"
    lines = [json.dumps({"question": GSM8K[0][0], "answer": GSM8K[0][1]}),
             json.dumps({"question": None, "answer": GSM8K[1][1]}),  # its answer is still indexed
             '{"question": "broken',
             "",
             json.dumps([GSM8K[2][0]]),
             json.dumps({"question": {"text": GSM8K[3][0]}, "answer": None}),
             json.dumps({"answer": GSM8K[4][1]}),
             json.dumps({"question": GSM8K[5][0], "answer": GSM8K[5][1]})]
    path.write_text("\n".join(lines) + "\n")
    index = NGramIndex()
    index.add_benchmark("g", load_benchmark("g", path, shape="gsm8k"))
    assert index.skipped["g"] == {"null_field": 2, "malformed_json": 1, "not_an_object": 1, "not_text": 1,
                                  "missing_field": 1}
    # Row ids are line positions (blank lines aside), unreadable lines included: stable under edits.
    assert index.match(GSM8K[5][0]) == [("g", "6")] and index.match(GSM8K[1][1]) == [("g", "1")]
    assert index.match(GSM8K[4][1]) == [("g", "5")] and index.stats()["items"] == {"g": 4}


def test_index_pickles_and_is_deterministic(index, tmp_path):
    again = build_index(tmp_path)
    assert pickle.dumps(again) == pickle.dumps(index)
    copy = pickle.loads(pickle.dumps(index))
    docs = [plant(d, GSM8K[i][0], random.Random(i)) for i, d in enumerate(clean_corpus(20, seed=4))]
    assert copy.match_batch(docs) == index.match_batch(docs) == [[("gsm8k", str(i))] for i in range(20)]
    assert copy.stats() == index.stats()
    state = index.__dict__ | {"hash": "blake2b_64"}  # built where another hash function was in use
    with pytest.raises(USER_ERRORS, match="built with blake2b_64 hashes"):
        NGramIndex.__new__(NGramIndex).__setstate__(state)


def test_gzipped_jsonl_and_items_from_any_iterable(tmp_path):
    path = tmp_path / "gsm8k.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.writelines(json.dumps({"uid": 100 + i, "question": q}) + "\n" for i, (q, _) in enumerate(GSM8K))
    index = NGramIndex()
    index.add_benchmark("g", load_benchmark("g", path, fields=["question"], id_field="uid"))
    index.add_benchmark("mine", [(7, HUMANEVAL[0][1]), ("7", HUMANEVAL[0][0])])  # ids are strings
    assert index.match(GSM8K[2][0] + HUMANEVAL[0][0]) == [("g", "102"), ("mine", "7")]
    assert index.stats()["items"] == {"g": 60, "mine": 1}


def _missing(tmp):
    return {"path": tmp / "nowhere.jsonl", "shape": "gsm8k"}, "does not exist"


def _unknown_format(tmp):
    (tmp / "notes.txt").write_text("just some notes\n")
    return {"path": tmp / "notes.txt", "shape": "gsm8k"}, "is not JSONL, Parquet"


def _plain_folder(tmp):
    (tmp / "folder").mkdir()
    return {"path": tmp / "folder", "shape": "gsm8k"}, "not written by datasets"


def _jsonl_field(tmp):
    (tmp / "b.jsonl").write_text(json.dumps({"question": "q", "solution": "s"}) + "\n")
    return ({"path": tmp / "b.jsonl", "shape": "gsm8k"},
            "has no 'answer' field (fields there: question, solution)")


def _parquet_field(tmp):
    pq.write_table(pa.table({"task_id": ["x"], "prompt": ["p"]}), tmp / "b.parquet")
    return ({"path": tmp / "b.parquet", "shape": "humaneval"},
            "has no 'canonical_solution' field (fields there: task_id, prompt)")


def _datasets_field(tmp):
    write_mmlu(tmp / "mmlu")
    return ({"path": tmp / "mmlu", "fields": ["question", "options"]},
            "has no 'options' field (fields there: subject, question, choices, answer)")


def _id_field(tmp):
    return {"path": write_gsm8k(tmp / "g.jsonl"), "shape": "gsm8k", "id_field": "uid"}, "has no 'uid' field"


def _empty(tmp):
    (tmp / "empty.jsonl").write_text("")
    return {"path": tmp / "empty.jsonl", "shape": "gsm8k"}, "has no items (skipped: none)"


def _all_bad(tmp):
    (tmp / "nulls.jsonl").write_text(json.dumps({"question": None, "answer": None}) + "\n")
    return {"path": tmp / "nulls.jsonl", "shape": "gsm8k"}, "has no items (skipped: null_field 2)"


def _not_utf8(tmp):
    good = json.dumps({"question": "q", "answer": "a"}).encode()
    bad = '{"question": "caf\xe9", "answer": "a"}'.encode("latin-1")
    (tmp / "latin1.jsonl").write_bytes(good + b"\n\n" + bad)
    return {"path": tmp / "latin1.jsonl", "shape": "gsm8k"}, "line 3 is not UTF-8"


def _unknown_shape(tmp):
    return {"path": write_gsm8k(tmp / "g.jsonl"), "shape": "gsm9k"}, "unknown shape 'gsm9k'"


def _no_fields(tmp):
    return {"path": write_gsm8k(tmp / "g.jsonl")}, "give fields or a shape"


def _dataset_dict(tmp):
    import datasets

    split = datasets.Dataset.from_dict({"question": ["q"]})
    datasets.DatasetDict({"test": split}).save_to_disk(str(tmp / "dd"))
    return {"path": tmp / "dd", "shape": "gsm8k"}, "is a DatasetDict folder"


@pytest.mark.parametrize("case", [_missing, _unknown_format, _plain_folder, _jsonl_field, _parquet_field,
                                  _datasets_field, _id_field, _empty, _all_bad, _not_utf8, _unknown_shape,
                                  _no_fields, _dataset_dict])
def test_benchmark_errors_are_one_line_naming_the_file(tmp_path, case):
    kwargs, expected = case(tmp_path)
    index = NGramIndex()
    with pytest.raises(USER_ERRORS) as info:
        index.add_benchmark("bench", load_benchmark("bench", **kwargs))
    message = str(info.value)
    assert expected in message and str(kwargs["path"]) in message and "\n" not in message, message
    assert index.stats()["items"] == {} and index.stats()["pairs"] == 0  # nothing of it is left behind


def test_benchmarks_need_distinct_names_and_indexable_items(tmp_path):
    index = NGramIndex()
    index.add_benchmark("g", load_benchmark("g", write_gsm8k(tmp_path / "g.jsonl"), shape="gsm8k"))
    with pytest.raises(USER_ERRORS, match="'g' is indexed twice"):
        index.add_benchmark("g", [("1", GSM8K[0][0])])
    path = tmp_path / "tiny.jsonl"
    path.write_text(json.dumps({"question": "Why?", "answer": "42"}) + "\n")
    with pytest.raises(USER_ERRORS, match=r"tiny.jsonl\) has no item with at least 4 words .*too_short 2"):
        index.add_benchmark("tiny", load_benchmark("tiny", path, shape="gsm8k"))
    assert index.stats()["items"] == {"g": 60}
