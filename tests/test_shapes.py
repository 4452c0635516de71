"""The shapes of notes people write, each read into the cards a person studying them would make."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.cli import main
from deckbuilder.errors import ConfigError, Severity
from deckbuilder.model import DeckSettings


def cards(text: str, deck_settings: DeckSettings | None = None) -> list[tuple[str, str]]:
    parsed = read.parse(text, Path("notes.md"), deck_settings)
    assert not parsed.errors, parsed.errors
    return [(card.question, card.answer) for card in parsed.deck.cards]


SHAPES = {
    "a-request-among-bold-questions-is-one-and-a-bold-note-is-not": (
        "## Basics\n\n**What is JavaScript?**\n\nA language.\n\n**Explain the event loop**\n\nIt runs tasks.\n\n"
        "**What is a closure?**\n\nA function.\n\n**Why use strict mode?**\n\nSafety.\n\n**Note**\n\nSee docs.\n",
        [
            ("What is JavaScript?", "A language."),
            ("Explain the event loop", "It runs tasks."),
            ("What is a closure?", "A function."),
            ("Why use strict mode?", "Safety.\n\n**Note**\n\nSee docs."),
        ],
    ),
    "bold-labelled-and-bold-numbered-lines-between-rules": (
        "# SQL\n\n---\n\n**Q1. Write a query that lists users**\n\nSELECT * FROM users;\n\n---\n\n"
        "**Q2. Count the orders**\n\nSELECT count(*) FROM orders;\n\n---\n",
        [
            ("Write a query that lists users", "SELECT * FROM users;"),
            ("Count the orders", "SELECT count(*) FROM orders;"),
        ],
    ),
    "bold-numbers-open-a-class-of-questions": (
        "**1)** List the users\n\nSELECT * FROM users;\n\n**2. Count the orders**\n\nSELECT count(*) FROM orders;\n",
        [("List the users", "SELECT * FROM users;"), ("Count the orders", "SELECT count(*) FROM orders;")],
    ),
    "a-vocabulary-table-is-a-card-per-row": (
        "# Japanese\n\n## Lesson 3\n\n| Word | Reading | Meaning |\n|---|---|---|\n| 猫 | ねこ | cat |\n"
        "| 犬 | いぬ | dog |\n\n## Lesson 4\n\n| Palabra | Significado |\n|---|---|\n| gato | cat |\n",
        [("猫", "Reading: ねこ  \nMeaning: cat"), ("犬", "Reading: いぬ  \nMeaning: dog"), ("gato", "cat")],
    ),
    "a-table-of-data-under-a-card-stays-in-its-answer": (
        "## What is fast?\n\nThis.\n\n| Word | Meaning |\n|---|---|\n| a | b |\n",
        [("What is fast?", "This.\n\n| Word | Meaning |\n|---|---|\n| a | b |")],
    ),
    "inline-cards-parted-by-a-line-separator": (
        "#flashcards\n\nCapital of France::Paris\u2028Capital of Spain::Madrid\n",
        [("Capital of France", "Paris"), ("Capital of Spain", "Madrid")],
    ),
    "logseq-clozes": (
        "- How to add? #card\n  - {{cloze 2}} plus {{cloze 2}} is four\n- What is {{cloze HTTP}}? #card\n"
        "  - a protocol\n",
        [
            ("How to add?", "- {{c1::2}} plus {{c2::2}} is four"),
            ("What is {{c1::HTTP}}?\n\n- a protocol", ""),
        ],
    ),
    "obsidian-to-anki-notes-among-prose": (
        "# Notes\n\nSome prose.\n\nSTART\nBasic\nWhat is a cell?\nBack: The unit of life.\n<!--ID: 1566052191670-->\n"
        "END\n\nMore prose.\n\nSTART\nBasic\nFront: What is DNA?\nBack: The molecule of heredity.\n\n"
        "It is a double helix.\nEND\n\nSTART\nCloze\nThe {{c1::nucleus}} holds DNA.\nEND\n",
        [
            ("What is a cell?", "The unit of life."),
            ("What is DNA?", "The molecule of heredity.\n\nIt is a double helix."),
            ("The {{c1::nucleus}} holds DNA.", ""),
        ],
    ),
    "question-and-answer-labels-in-other-languages": (
        "**Вопрос:** Что такое замыкание?\n**Ответ:** Функция с окружением.\n\n"
        "问：什么是闭包？\n答：函数和其环境。\n\nPregunta: ¿Qué es HTTP?\nRespuesta: Un protocolo.\n",
        [
            ("Что такое замыкание?", "Функция с окружением."),
            ("什么是闭包？", "函数和其环境。"),
            ("¿Qué es HTTP?", "Un protocolo."),
        ],
    ),
    "headings-inside-numbered-items-under-a-table-of-contents": (
        "# Kitchen\n\n| No. | Questions |\n|---|---|\n| 1 | [What is a roux](#what-is-a-roux) |\n\n"
        "1. ### What is a roux\n\n   Flour cooked in fat.\n\n   **[⬆ Back to Top](#table-of-contents)**\n\n"
        "2. ### What is a fond\n\n   The browned bits.\n\n   ```text\n   pan\n   ```\n",
        [
            ("What is a roux", "Flour cooked in fat."),
            ("What is a fond", "The browned bits.\n\n```text\npan\n```"),
        ],
    ),
    "inka-question-continued-by-a-list": (
        "1. Explain braising:\n- name the liquid\n\n> Slow cooking in a little liquid.\n\n"
        "2. Explain searing:\n\n> Browning at high heat.\n",
        [
            ("Explain braising:\n\n- name the liquid", "Slow cooking in a little liquid."),
            ("Explain searing:", "Browning at high heat."),
        ],
    ),
    "bold-list-items-of-a-class-of-questions-that-do-not-ask": (
        "- **What is a byte?**  \nEight bits.\n\n- **What is a nibble?**  \nFour bits.\n\n"
        "- **Bits in a word: `w = 2^k`**  \nDepends on the machine.\n\n- **What is a bit?**  \nA binary digit.\n\n"
        "- **Further notes**\n",
        [
            ("What is a byte?", "Eight bits."),
            ("What is a nibble?", "Four bits."),
            ("Bits in a word: `w = 2^k`", "Depends on the machine."),
            ("What is a bit?", "A binary digit."),
        ],
    ),
    "vocabulary-whose-terms-ask": (
        "## Greetings\n\n**¿Qué tal?** — How are you?\n\n**¿Y tú?** — And you?\n\n**hola** — hello\n",
        [("¿Qué tal?", "How are you?"), ("¿Y tú?", "And you?"), ("hola", "hello")],
    ),
    "a-files-own-separators-and-highlight-clozes": (
        "# OS\n\nManages the hardware ;; Operating system\n\nRuns first at boot ;; Bootstrap program\n\n"
        "Keeps time ;; Clock\n\nKernel goals\n,,\n- run programs\n- share hardware\n\n"
        "The ==kernel== runs in ==supervisor== mode.\n\nPlain prose stays prose.\n",
        [
            ("Manages the hardware", "Operating system"),
            ("Runs first at boot", "Bootstrap program"),
            ("Keeps time", "Clock"),
            ("Kernel goals", "- run programs\n- share hardware"),
            ("The {{c1::kernel}} runs in {{c2::supervisor}} mode.", ""),
        ],
    ),
    "details-written-without-blank-lines": (
        "<details>\n\n<summary>What is A?</summary>\n\nAlpha.\n\n</details>\n"
        "<details> <summary>What is B?\n</summary>\n\n- one\n- two\n</details>\n\n"
        "<details> <summary>What is C?</summary>\n\nGamma.\n</details>\n<details><summary>What is D?</summary>\n\n"
        "Delta.\n\n</details>\n",
        [
            ("What is A?", "Alpha."),
            ("What is B?", "- one\n- two"),
            ("What is C?", "Gamma."),
            ("What is D?", "Delta."),
        ],
    ),
    "labelled-questions-in-block-quotes": (
        "# Notes\n\nSome prose.\n\n> **Q: What is A?**\n>\n> A: Alpha.\n\n> Q: What is B?\n> A: Beta.\n\n"
        "> A quote that asks nothing.\n",
        [("What is A?", "Alpha."), ("What is B?", "Beta.\n\n> A quote that asks nothing.")],
    ),
    "a-bold-line-labelled-q-is-a-question-asking-or-not": (
        "**Q: Walk me through a deploy**\n\nA: Build, test, ship.\n\n**Q: Why roll back?**\nTo undo.\n",
        [("Walk me through a deploy", "Build, test, ship."), ("Why roll back?", "To undo.")],
    ),
    "numbered-lines-with-ans-labels": (
        "1). What is a roux?\nAns). Flour cooked in fat.\n   * thickens sauces\n\n"
        "2). What is a fond?\nAns). The browned bits in a pan.\n\n"
        "**3).Why deglaze?**\nAns). To lift the fond.\n\n**4)Describe a liaison**\nEgg yolk and cream.\n",
        [
            ("What is a roux?", "Flour cooked in fat.\n\n   * thickens sauces"),
            ("What is a fond?", "The browned bits in a pan."),
            ("Why deglaze?", "To lift the fond."),
            ("Describe a liaison", "Egg yolk and cream."),
        ],
    ),
    "a-line-of-spaces-ends-a-paragraph": (
        "Q: What is A?\nA: Alpha.\n" + " " * 20 + "\nQ: What is B?\nA: Beta.\n",
        [("What is A?", "Alpha."), ("What is B?", "Beta.")],
    ),
    "dataview-fields-and-double-colon-labels": (
        "**Author**:: [[Me]]\n\n**Covers**:: [[Networks]]\n\nQ:: What is HTTP?\nA::\nA protocol.\n\n"
        "Q:: What is TCP?  \nA::\nA transport.\n",
        [("What is HTTP?", "A protocol."), ("What is TCP?", "A transport.")],
    ),
    "numbered-question-headings": (
        "# Deck\n\n## 1. What is A?\n\nAlpha.\n\n## 2. Name B\n\nBeta.\n",
        [("What is A?", "Alpha."), ("Name B", "Beta.")],
    ),
    "question-prefixes-restarting-per-section": (
        "# Part one\n\n### Q1. Why?\n\nBecause.\n\n# Part two\n\n### Question 1. How?\n\nSo.\n",
        [("Why?", "Because."), ("How?", "So.")],
    ),
    "questions-at-two-levels": (
        "## Question 1. First?\n\nOne.\n\n### 2. Second?\n\nTwo.\n",
        [("First?", "One."), ("Second?", "Two.")],
    ),
    "headings-inside-an-answer-stay-there": (
        "## What is X?\n\nX is.\n\n### Example\n\nx = 1\n\n## What is Y?\n\nY.\n",
        [("What is X?", "X is.\n\n### Example\n\nx = 1"), ("What is Y?", "Y.")],
    ),
    "same-level-sub-sections-answer-an-empty-question": (
        "## Which kinds are there?\n\n## Kinds of one sort:\n\nA, B.\n\n## Kinds of another:\n\nC.\n\n"
        "## What is D?\n\nD.\n",
        [
            ("Which kinds are there?", "## Kinds of one sort:\n\nA, B.\n\n## Kinds of another:\n\nC."),
            ("What is D?", "D."),
        ],
    ),
    "topic-heading-among-questions-is-not-a-card": (
        "## What is A?\n\nAlpha.\n\n## Contributing\n\nSend a pull request.\n",
        [("What is A?", "Alpha.")],
    ),
    "bold-line-question": (
        "# Notes\n\n**Why is the sky blue?**\nRayleigh scattering.\n",
        [("Why is the sky blue?", "Rayleigh scattering.")],
    ),
    "bold-list-item-questions": (
        "- **Why is the sky blue?**  \nScattering.\n\n- **What is 2+2?**  \nFour.\n",
        [("Why is the sky blue?", "Scattering."), ("What is 2+2?", "Four.")],
    ),
    "q-a-pairs-under-sections": (
        "# Words\n\n## Animals\n\nQ: Dog?\nA: Hund\n\nQ: Cat?\nA: Katze\n\n## Food\n\nQ: Bread?\nA: Brot\n",
        [("Dog?", "Hund"), ("Cat?", "Katze"), ("Bread?", "Brot")],
    ),
    "details-answer-after-a-question": (
        "## What is printed?\n\n```js\nlog(1)\n```\n\n<details><summary><b>Answer</b></summary>\n\n1\n\n</details>\n",
        [("What is printed?\n\n```js\nlog(1)\n```", "1")],
    ),
    "summary-question": (
        "# FAQ\n\n<details><summary>Is it free?</summary>\n\nYes.\n\n</details>\n",
        [("Is it free?", "Yes.")],
    ),
    "multiple-choice-task-list": (
        "#### Q1. Which verb reads?\n\n- [ ] `POST`\n- [x] `GET`\n- [ ] `PUT`\n",
        [("Which verb reads?\n\n- [ ] `POST`\n- [x] `GET`\n- [ ] `PUT`", "`GET`")],
    ),
    "answer-marker-keeps-the-code-in-the-question": (
        "## What does this print?\n\n```py\nprint(2)\n```\n\n**Answer:** 2\n",
        [("What does this print?\n\n```py\nprint(2)\n```", "2")],
    ),
    "faq-paragraphs": (
        "# FAQ\n\nWhat is it?\n\nA tool.\n\nWho made it?\n\nSome people.\n\nMore of them.\n",
        [("What is it?", "A tool."), ("Who made it?", "Some people.\n\nMore of them.")],
    ),
    "vocabulary": (
        "## Verbs\n\n**bailar** \u2014 to dance\n\n**cantar** \u2014 to sing\n",
        [("bailar", "to dance"), ("cantar", "to sing")],
    ),
    "cloze-list-items": (
        "# Lessons\n\n- Lesson 12\n  - Let's {{c1::cut}} the fluff.\n- Lesson 13\n  - It's {{c1::a}} long shot.\n",
        [("Let's {{c1::cut}} the fluff.", ""), ("It's {{c1::a}} long shot.", "")],
    ),
    "logseq-card-blocks": (
        "- #card How to add a paragraph\n\t- shift + enter\n- #card How to add video\n\t- paste its url\n",
        [("How to add a paragraph", "- shift + enter"), ("How to add video", "- paste its url")],
    ),
    "obsidian-inline-in-a-tagged-file": (
        "#flashcards\n\nWhat does std::move do?::casts to an rvalue\nCapital of France:::Paris\n",
        [("What does std::move do?", "casts to an rvalue"), ("Capital of France", "Paris")],
    ),
    "obsidian-multi-line": (
        "# Words\n\nabound\n?\nto be plentiful\n\nwary\n??\ncautious\n",
        [("abound", "to be plentiful"), ("wary", "cautious")],
    ),
    "percent-and-split-comment-after-a-heading": (
        "# Deck\n\n## Card A\n\nFront A\n\n<!-- md2apkg split -->\n\nBack A\n\n#### Card B\n\nFront B\n\n%\n\nBack B\n",
        [("Card A\n\nFront A", "Back A"), ("Card B\n\nFront B", "Back B")],
    ),
    "dash-separated-with-pandoc-pause": (
        "---\nname: C\n---\n\n---\n\nExit a loop.\n\n. . .\n\n`break`\n\n---\n\nSkip to the next turn.\n\n. . .\n\n`continue`\n",
        [("Exit a loop.", "`break`"), ("Skip to the next turn.", "`continue`")],
    ),
    "front-and-back-headings": (
        "# A note\n\n## Front\n\nWhat is 2+2?\n\n## Back\n\nFour.\n",
        [("What is 2+2?", "Four.")],
    ),
    "numbered-question-over-a-quote": (
        "1. Explain annotations:\n> They mark code.\n",
        [("Explain annotations:", "They mark code.")],
    ),
    "topics-answered-under-a-marker": (
        "### Ethernet\n\n**Question**:\n- How does it avoid collisions?\n\n"
        "<details><summary><b>Answer: </b></summary>\n\nCSMA/CD.\n\n</details>\n",
        [("- How does it avoid collisions?", "CSMA/CD.")],
    ),
    "topic-decks-separated-by-rules": (
        "# Types\n\n## []\nA list\n---\n## {}\nA dict\n---\n## ()\nA tuple\n",
        [("[]", "A list"), ("{}", "A dict"), ("()", "A tuple")],
    ),
    "list-items-that-ask-answered-in-sub-lists-a-request-among-them": (
        "# Tides\n\n1. What causes tides?\n   - The moon's pull.\n2. What is a spring tide?\n"
        "   - A tide at full or new moon.\n3. Difference between ebb and flood\n   - Falling and rising.\n",
        [
            ("What causes tides?", "- The moon's pull."),
            ("What is a spring tide?", "- A tide at full or new moon."),
            ("Difference between ebb and flood", "- Falling and rising."),
        ],
    ),
    "list-items-that-ask-answered-in-an-indented-paragraph": (
        "# Birds\n\n1. Why do geese fly in a V?\n\n   To save energy.\n\n2. How far do swifts fly\n"
        "   in a year?\n\n   Some 200,000 km.\n",
        [
            ("Why do geese fly in a V?", "To save energy."),
            ("How far do swifts fly in a year?", "Some 200,000 km."),
        ],
    ),
    "list-items-that-ask-answered-on-the-next-line": (
        "# Knots\n\n- What holds a boat to a post?\nA clove hitch.\n- What joins two ropes?\nA sheet bend.\n",
        [("What holds a boat to a post?", "A clove hitch."), ("What joins two ropes?", "A sheet bend.")],
    ),
    "labelled-questions-in-list-items": (
        "# Shell\n\n- Q: What does `ls` do?\n  A: Lists files.\n- Q: What does `cd` do?\n  A: Changes folder.\n",
        [("What does `ls` do?", "Lists files."), ("What does `cd` do?", "Changes folder.")],
    ),
    "bold-questions-answered-on-their-line-in-list-items": (
        "# Git\n\n## Basics\n\n- **What does `git init` do?** Makes a repository.\n"
        "- **What does `git add` do?** Stages changes.\n",
        [("What does `git init` do?", "Makes a repository."), ("What does `git add` do?", "Stages changes.")],
    ),
    "bold-questions-answered-on-their-line-in-paragraphs": (
        "# CSS\n\n**What is the box model?** Content, padding, border and margin.\n\n"
        "**What does `z-index` do?** Orders overlapping boxes.\n\n**¿Qué tal?** — How are you?\n",
        [
            ("What is the box model?", "Content, padding, border and margin."),
            ("What does `z-index` do?", "Orders overlapping boxes."),
            ("¿Qué tal?", "How are you?"),
        ],
    ),
    "an-answer-sub-heading-parts-question-from-answer": (
        "# JS\n\n### What is hoisting?\n\n#### Answer\n\nDeclarations move up.\n\n### What is a closure?\n\n"
        "Think of scopes.\n\n#### Answer\n\nA function with its scope.\n",
        [
            ("What is hoisting?", "Declarations move up."),
            ("What is a closure?\n\nThink of scopes.", "A function with its scope."),
        ],
    ),
    "numbered-questions-over-unindented-answers": (
        "# OS\n\n1. What is a process?\n\nA program running.\n\nIt has memory.\n\n2. What is a thread?\n\n"
        "A path of execution.\n",
        [
            ("What is a process?", "A program running.\n\nIt has memory."),
            ("What is a thread?", "A path of execution."),
        ],
    ),
    "questions-in-italics": (
        "# Money\n\n*What is inflation?*\n\nPrices rising.\n\n_What is GDP?_\n\nOutput's value.\n",
        [("What is inflation?", "Prices rising."), ("What is GDP?", "Output's value.")],
    ),
    "a-question-line-over-its-answer-line": (
        "# Rivers\n\nWhat is the longest river?\nThe Nile.\n\nWhat is the widest river?\nThe Amazon,\nin the wet season.\n",
        [
            ("What is the longest river?", "The Nile."),
            ("What is the widest river?", "The Amazon,\nin the wet season."),
        ],
    ),
    "obsidian-question-callouts": (
        "# Cells\n\n> [!question] What is osmosis?\n> Water crossing a membrane.\n\n> [!faq]- What is diffusion?\n"
        "> Particles spreading out.\n> > [!answer]\n> > Down the gradient.\n\n> [!note] A note\n> Not a card.\n",
        [
            ("What is osmosis?", "Water crossing a membrane."),
            (
                "What is diffusion?",
                "Particles spreading out.\n\nDown the gradient.\n\n> [!note] A note\n> Not a card.",
            ),
        ],
    ),
    "an-answer-callout-under-a-question-heading": (
        "# Py\n\n## What is a decorator?\n\n> [!answer]\n> A function wrapping another.\n\n"
        "## What is a generator?\n\n> [!success]- Show\n> A function that yields.\n",
        [
            ("What is a decorator?", "A function wrapping another."),
            ("What is a generator?", "A function that yields."),
        ],
    ),
    "questions-and-answers-labelled-with-a-dash": (
        "# Salts\n\nQ - What is the pH of water?\nA - 7\n\nQ – What is NaCl?\nA – Table salt\n",
        [("What is the pH of water?", "7"), ("What is NaCl?", "Table salt")],
    ),
    "a-quiz-table-numbered-in-its-first-column": (
        "# Sums\n\n| # | Question | Answer |\n|---|---|---|\n| 1 | What is 2+2? | 4 |\n| 2 | What is 3+3? | 6 |\n",
        [("What is 2+2?", "4"), ("What is 3+3?", "6")],
    ),
    "a-rule-between-each-question-heading-and-its-answer": (
        "## What is a monad?\n---\nA monoid.\n\n## What is a functor?\n---\nA mappable thing.\n",
        [("What is a monad?", "A monoid."), ("What is a functor?", "A mappable thing.")],
    ),
    "requests-among-questions-in-a-list": (
        "# Matter\n\n1. Name the three states of matter.\n    * Solid, liquid, gas.\n2. What is sublimation?\n"
        "    * Solid to gas.\n3. Give an example of condensation.\n    * Dew.\n",
        [
            ("Name the three states of matter.", "* Solid, liquid, gas."),
            ("What is sublimation?", "* Solid to gas."),
            ("Give an example of condensation.", "* Dew."),
        ],
    ),
    "mkdocs-question-admonitions": (
        '# Quiz\n\n??? question "What is a hash map?"\n    Keys to values.\n\n!!! question "What is a heap?"\n\n'
        "    A tree ordered by parent.\n",
        [("What is a hash map?", "Keys to values."), ("What is a heap?", "A tree ordered by parent.")],
    ),
    "numbered-question-and-answer-labels": (
        "# Bits\n\nQ1: What is a byte?\nA1: Eight bits.\n\n**Question 2:** What is a nibble?\n\n**Answer:** Four bits.\n",
        [("What is a byte?", "Eight bits."), ("What is a nibble?", "Four bits.")],
    ),
    "full-width-labels": (
        "# 問題集\n\n\uff31\uff0e日本の首都は？\n\uff21\uff0e東京\n",
        [("日本の首都は？", "東京")],
    ),
    "question-and-answer-labels-on-one-line": (
        "# Topic\n\n**Q:** What is X? **A:** It is Y.\n\nQ: What is Z? A: It is W.\n",
        [("What is X?", "It is Y."), ("What is Z?", "It is W.")],
    ),
    "a-table-of-two-languages": (
        "# Vocab\n\n| English | Spanish |\n|---|---|\n| dog | perro |\n| cat | gato |\n",
        [("dog", "perro"), ("cat", "gato")],
    ),
    "an-answer-labelled-in-a-sub-item": (
        "# Memory\n\n* What is RAM?\n  * Answer: Volatile memory.\n* What is ROM?\n  * Answer: Read-only memory.\n",
        [("What is RAM?", "Volatile memory."), ("What is ROM?", "Read-only memory.")],
    ),
    "list-items-answered-after-a-label-on-their-line": (
        "# Water\n\n1. What is its boiling point? **Answer:** 100 °C\n2. What is its freezing point? Answer: 0 °C\n",
        [("What is its boiling point?", "100 °C"), ("What is its freezing point?", "0 °C")],
    ),
    "topic-items-over-lists-of-questions": (
        "# Kubernetes\n\n- Pods\n  - What is a pod?\n    - The smallest unit.\n  - What is a sidecar?\n"
        "    - A helper.\n- Services\n  - What is a ClusterIP?\n    - An inside address.\n",
        [
            ("What is a pod?", "- The smallest unit."),
            ("What is a sidecar?", "- A helper."),
            ("What is a ClusterIP?", "- An inside address."),
        ],
    ),
    "bold-questions-ending-with-a-colon": (
        "# Laws\n\n**What is the first law:**\n\nInertia.\n\n**What is the second law:**\n\nF = ma.\n\n"
        "**What is the third law:**\n\nAction and reaction.\n",
        [
            ("What is the first law:", "Inertia."),
            ("What is the second law:", "F = ma."),
            ("What is the third law:", "Action and reaction."),
        ],
    ),
    "a-table-headed-q-and-a": (
        "# Sums\n\n| Q | A |\n|---|---|\n| 2+2 | 4 |\n| 3+3 | 6 |\n",
        [("2+2", "4"), ("3+3", "6")],
    ),
    "an-answer-label-and-its-value-in-one-bold-span": (
        "# Quiz\n\n### Q1. Which is a prime?\n- A) 4\n- B) 7\n\n**Answer: B**\n",
        [("Which is a prime?\n\n- A) 4\n- B) 7", "B")],
    ),
    "a-question-label-without-a-number-on-a-heading": (
        "# Web\n\n## Q: What is REST?\n**A:** A style.\n\n## Question: What is SOAP?\n**A:** A protocol.\n",
        [("What is REST?", "A style."), ("What is SOAP?", "A protocol.")],
    ),
    "question-and-answer-lines-without-blank-lines-between-pairs": (
        "Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Italy?\nA: Rome,\nsince 1871.\n"
        "Q: What is the capital of Peru?\nA: Lima\n",
        [
            ("What is the capital of France?", "Paris"),
            ("What is the capital of Italy?", "Rome,\nsince 1871."),
            ("What is the capital of Peru?", "Lima"),
        ],
    ),
    "a-definition-list": (
        "# Glossary\n\nLatency\n: The time a request takes.\n: Counted in milliseconds.\n\nThroughput\n"
        ": Requests per second.\n",
        [
            ("Latency", "The time a request takes.\nCounted in milliseconds."),
            ("Throughput", "Requests per second."),
        ],
    ),
    "definition-lines-with-a-spaced-double-colon-or-a-dash": (
        "# French\n\nbonjour :: hello\nmerci :: thank you\n\nau revoir — goodbye\n",
        [("bonjour", "hello"), ("merci", "thank you"), ("au revoir", "goodbye")],
    ),
    "a-vocabulary-list-of-dashed-items": (
        "# Spanish\n\n- perro — dog\n- gato — cat\n- casa – house\n",
        [("perro", "dog"), ("gato", "cat"), ("casa", "house")],
    ),
    "cloze-sentences-as-paragraphs-with-extra-text-after-one": (
        "# Bones\n\nThe {{c1::femur}} is the longest bone.\n\nIt is in the thigh.\n\n"
        "The {{c1::stapes}} is the smallest.\n",
        [
            ("", "The {{c1::femur}} is the longest bone.\n\nIt is in the thigh."),
            ("", "The {{c1::stapes}} is the smallest."),
        ],
    ),
    "questions-and-answers-labelled-with-a-full-stop": (
        "# Cells\n\nQ. What makes energy in a cell?\nA. The mitochondrion.\n\n**Q.** Name the cell's store of DNA.\n"
        "**A.** The nucleus.\n",
        [
            ("What makes energy in a cell?", "The mitochondrion."),
            ("Name the cell's store of DNA.", "The nucleus."),
        ],
    ),
    "front-and-back-labels": (
        "# Sky\n\nFront: What colour is the sky?\nBack: Blue\n\nFront: Largest planet\nBack: Jupiter\n",
        [("What colour is the sky?", "Blue"), ("Largest planet", "Jupiter")],
    ),
    "a-question-answered-on-a-labelled-line-below-it": (
        "# Sorting\n\nHow fast is binary search?\nAnswer: O(log n)\n\nIs the answer label read in a sentence?\n"
        "No: only at the start of a line.\n",
        [
            ("How fast is binary search?", "O(log n)"),
            ("Is the answer label read in a sentence?", "No: only at the start of a line."),
        ],
    ),
    "options-lettered-with-a-full-stop-are-no-answer-label": (
        "# Quiz\n\n## Which is prime?\n\nA. 4\nB. 7\n\nAnswer: B\n",
        [("Which is prime?\n\nA. 4\nB. 7", "B")],
    ),
    "a-worked-example-of-bold-questions-stays-in-a-marked-answer": (
        "# Incidents\n\n## What went wrong?\n\n**Answer:** the cache.\n\n"
        "1. **Why did it fail?** The cache expired.\n2. **Why did it expire?** No refresh.\n\n"
        "## What is a post-mortem?\n\nA blameless review.\n",
        [
            (
                "What went wrong?",
                "the cache.\n\n1. **Why did it fail?** The cache expired.\n2. **Why did it expire?** No refresh.",
            ),
            ("What is a post-mortem?", "A blameless review."),
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), SHAPES.values(), ids=SHAPES.keys())
def test_each_shape_gives_its_cards(text: str, expected: list[tuple[str, str]]) -> None:
    assert cards(text) == expected


NO_CARDS = {
    "topic-notes": "## Articles\n\n### 1. Kinds\n\nDefinite and indefinite.\n\n### 2. Endings\n\n| a | b |\n|---|---|\n",
    "questions-with-no-answers": "# Ask them\n\n- What is the role?\n- Who is on the team?\n",
    "table-of-contents-only": "# Contents\n\n- [What is A?](#what-is-a)\n- [What is B?](#what-is-b)\n",
    "inline-cards-in-an-untagged-file": "# C++\n\nThe scope operator std::vector:: is prose here.\n",
    "questions-with-follow-up-questions-only": (
        "# Ask them\n\n1. What is the role?\n   - Who decides it?\n2. How big is the team?\n   - Is it growing?\n"
    ),
    "one-question-opening-a-paragraph-of-notes": (
        "# Notes\n\nWhy does this matter?\nBecause the cache is cold.\n\nThe rest of the notes.\n"
    ),
    "a-table-of-people-is-no-vocabulary": "# Team\n\n| Name | Age |\n|---|---|\n| Ann | 30 |\n| Bo | 41 |\n",
    "a-summary-of-sections-described-in-sentences": (
        "# Guide\n\n- **Plan** — explore the app. Then write a spec.\n- **Build** — turn the spec into tests.\n"
        "- **Heal** — fix what fails, and say why in the spec. Repeat.\n"
    ),
    "labels-whose-names-hold-a-question-mark-in-code": (
        "# Labels\n\n* `land-on-v?.x`\n  * Marks a pull request for a release.\n* `backport-v?.x`\n"
        "  * Asks for a backport.\n* `v?.x`\n  * Set by a bot.\n"
    ),
    "meaning-lines-without-a-term-above-them": "# Notes\n\n: a meaning\n: another one\n",
    "a-readmes-sections-that-open-like-questions": (
        "# Tool\n\n## What is new\n\nFaster builds.\n\n## How it works\n\nIt reads files.\n\n"
        "## Why Rust\n\nSpeed.\n"
    ),
    "two-dashed-lines-in-notes": "# Notes\n\nPython — a language I like\n\nRust — another one\n",
    "a-dataview-field-is-no-definition": "# Book\n\nauthor:: Le Guin\nyear:: 1969\nrating:: 5\n",
    "one-bold-question-answered-on-its-line-in-notes": (
        "# Notes\n\n**Why bother?** Because it pays.\n\nThen the rest of the notes.\n"
    ),
}


@pytest.mark.parametrize("text", NO_CARDS.values(), ids=NO_CARDS.keys())
def test_notes_that_ask_or_answer_nothing_give_no_cards(text: str) -> None:
    parsed = read.parse(text, Path("notes.md"))
    assert not parsed.deck.cards
    assert [error.message for error in parsed.errors if "no cards found" in error.message]


def test_card_level_makes_topic_headings_cards() -> None:
    text = "## Photosynthesis\n\nLight to sugar.\n\n## Respiration\n\nSugar to energy.\n"
    assert not read.parse(text, Path("n.md")).deck.cards
    assert cards(text, DeckSettings(card_level=2)) == [
        ("Photosynthesis", "Light to sugar."),
        ("Respiration", "Sugar to energy."),
    ]
    assert cards("---\ndeckbuilder:\n  card_level: 2\nlayout: post\n---\n" + text) == cards(
        text, DeckSettings(card_level=2)
    )


def test_foreign_front_matter_keys_are_noted_and_close_ones_refused() -> None:
    parsed = read.parse("---\nlayout: page\nlast_review_date: x\n---\n## Q?\n\nA.\n", Path("n.md"))
    notes = [d.message for d in parsed.diagnostics if d.severity is Severity.NOTE]
    assert len(notes) == 2 and "'layout' is not deckbuilder's" in notes[0]
    for key, ours in [("tgas", "tags"), ("revers", "reverse")]:
        with pytest.raises(ConfigError, match=f"'{ours}'"):
            read.parse(f"---\n{key}: x\n---\n## Q?\n\nA.\n", Path("n.md"))
    with pytest.raises(ConfigError, match="should be written 'card_level'"):
        read.parse("---\ncard-level: 2\n---\n## Q?\n\nA.\n", Path("n.md"))


def test_obsidian_syntax_from_settings() -> None:
    text = "# Notes\n\nCapital of Spain::Madrid\n"
    assert not read.parse(text, Path("n.md")).deck.cards
    assert cards(text, DeckSettings(syntax=("obsidian",))) == [("Capital of Spain", "Madrid")]


def test_deckbuilder_syntax_keeps_a_tagged_file_at_its_headings() -> None:
    """``syntax: deckbuilder`` (which import writes): a ``#flashcards`` tag in an answer is text,
    not a switch to Obsidian's ``::`` cards."""
    text = "## Which tag?\n\nsee #flashcards now\n\n## Capital of Spain::Madrid\n\nyes\n"
    unpinned = read.parse(text, Path("n.md")).deck.cards
    assert "Which tag?" not in [card.question for card in unpinned]  # the tag switched the reading
    pinned = "---\nsyntax: deckbuilder\ncard_level: 2\n---\n" + text
    parsed = read.parse(pinned, Path("n.md"))
    assert [(card.question, card.answer) for card in parsed.deck.cards] == [
        ("Which tag?", "see #flashcards now"), ("Capital of Spain::Madrid", "yes")
    ]  # fmt: skip


def test_check_strict_fails_on_warnings_and_verbose_says_what_it_read(tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text("---\nlayout: x\n---\n## A?\n\nOne.\n\n## B?\n\nTODO\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(deck)]).exit_code == 0
    strict = runner.invoke(main, ["check", "--strict", str(deck)])
    assert (
        strict.exit_code == 1 and f"{deck}:8: warning: question 'B?' has only a placeholder" in strict.stdout
    )
    verbose = runner.invoke(main, ["check", "-v", str(deck)])
    assert f"{deck}:2: note: front matter key 'layout'" in verbose.stdout
    assert "1 cards (1 heading)" in verbose.stderr
    assert "note:" not in runner.invoke(main, ["check", str(deck)]).stdout


def test_check_verbose_says_which_class_of_headings_is_cards_after_an_edit_too(tmp_path: Path) -> None:
    """The choice between classes is said in words, from a fresh layout and from a reused one."""
    deck = tmp_path / "deck.md"
    numbered = "".join(
        f"## {n}. Why does step {n} matter?\n\nIt does.\n\n### Example\n\nOne.\n\n### Why is it hard?\n\nIt is.\n\n"
        for n in range(1, 4)
    )
    deck.write_text("# Steps\n\n" + numbered, encoding="utf-8")
    runner = CliRunner()
    said = (
        "headings: cards: 3 level-2 headings numbered '1.', asking; not cards (another class): 3 level-3 "
        "headings, asking; 6 headings inside their answers are parts of them"
    )
    assert said in runner.invoke(main, ["check", "-v", str(deck)]).stderr
    assert runner.invoke(main, ["build", str(deck), "-o", str(tmp_path / "out"), "-f", "csv"]).exit_code == 0
    deck.write_text("# Steps\n\n" + numbered.replace("It does.", "It does a lot."), encoding="utf-8")
    assert said in runner.invoke(main, ["check", "-v", str(deck)]).stderr


def test_losing_a_quarter_of_the_cards_is_said_prominently(tmp_path: Path) -> None:
    deck = tmp_path / "deck.md"
    deck.write_text("".join(f"## Q{n}?\n\nA{n}.\n\n" for n in range(8)), encoding="utf-8")
    runner = CliRunner()
    assert (
        runner.invoke(main, ["build", str(deck), "-o", str(tmp_path / "out"), "--format", "csv"]).exit_code
        == 0
    )
    deck.write_text("## Q0?\n\nA0.\n\n## Q1?\n\n```\nnot closed, so no cards below\n\n" +
                    "".join(f"## R{n}\n\nB{n}.\n\n" for n in range(6)), encoding="utf-8")  # fmt: skip
    result = runner.invoke(main, ["check", str(deck)])
    assert "this code fence never closes" in result.stdout
    deck.write_text("## Q0?\n\nA0.\n\n## Q1?\n\nA1.\n", encoding="utf-8")
    built = runner.invoke(main, ["build", str(deck), "-o", str(tmp_path / "out"), "--format", "csv"])
    assert "6 of this deck's 8 cards are gone since the last build" in built.stderr
    assert "push --prune" in built.stderr


LAYOUT_NOISE = st.sampled_from(["blank", "trailing", "toc"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(list(SHAPES)), min_size=1, max_size=3), st.lists(LAYOUT_NOISE, max_size=3))
def test_blank_lines_trailing_spaces_and_a_table_of_contents_change_no_cards(
    names: list[str], noise: list[str]
) -> None:
    for name in names:
        text, expected = SHAPES[name]
        changed = text
        for kind in noise:
            if kind == "blank":
                changed = changed.replace("\n\n", "\n\n\n")
            elif kind == "trailing":
                changed = "\n".join(line + "   " if line.strip() and not line.startswith(" ") and
                                    not line.endswith("  ") else line for line in changed.split("\n"))  # fmt: skip
            elif kind == "toc" and not changed.startswith("---"):
                changed = "- [Contents](#contents)\n- [What is it?](#what-is-it)\n\n" + changed
        found = [(" ".join(q.split()), " ".join(a.split())) for q, a in cards(changed)]
        assert found == [(" ".join(q.split()), " ".join(a.split())) for q, a in expected], name


def test_another_tools_value_under_a_shared_front_matter_key_is_a_warning_not_an_error() -> None:
    """Dataview and Obsidian use 'type' and 'tags' for their own values: the file still reads."""
    text = '---\ntype:\n  - "[[Flashcards]]"\ntags: {a: 1}\n---\n## What is A?\n\nAlpha.\n'
    parsed = read.parse(text, Path("n.md"))
    assert [card.question for card in parsed.deck.cards] == ["What is A?"]
    warnings = [d for d in parsed.diagnostics if d.severity is Severity.WARNING]
    assert [d.location.line if d.location else 0 for d in warnings] == [2, 4]
    assert all("ignored, as other tools use" in d.message for d in warnings)
    with pytest.raises(ConfigError, match="'card_level'"):  # ours alone: still loud
        read.parse("---\ncard_level: two\n---\n## Q?\n\nA.\n", Path("n.md"))


def test_obsidian_to_anki_target_deck_names_the_deck_unless_settings_do() -> None:
    text = "# Biology\n\nTARGET DECK\nScience::Biology\n\nSTART\nBasic\nWhat is a cell?\nBack: The unit of life.\nEND\n"
    parsed = read.parse(text, Path("n.md"))
    assert parsed.deck.anki_deck == "Science::Biology" and parsed.deck.description == ""
    assert [(card.question, card.source.line) for card in parsed.deck.cards] == [("What is a cell?", 6)]
    named = read.parse("---\ndeck: Mine\n---\n" + text, Path("n.md"))
    assert named.deck.anki_deck == "Mine"


def test_each_card_of_a_list_names_its_own_item_line() -> None:
    text = "# X\n\n- **What is A?**\n  Alpha.\n- **What is B?**\n\n  ```\n  - not an item\n  ```\n- **What is C?**\n"
    parsed = read.parse(text, Path("n.md"))
    assert [(card.question, card.source.line) for card in parsed.deck.cards] == [
        ("What is A?", 3),
        ("What is B?", 5),
    ]
    [warning] = [d for d in parsed.diagnostics if d.severity is Severity.WARNING]
    assert warning.location is not None and warning.location.line == 10
