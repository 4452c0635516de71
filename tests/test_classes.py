"""Cards decided per class of look-alike headings (issue 25): headings of one level written alike
(numbered the same way, or not at all) are a class; a class whose members mostly ask and have
text under them is a card class, and each member with text is a card, asking or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckbuilder import read
from deckbuilder.errors import ParseError


def questions(text: str) -> list[str]:
    try:
        parsed = read.parse(text, Path("notes.md"))
    except ParseError:
        return []  # no cards at all: said as an error naming the file
    return [card.question for card in parsed.deck.cards]


def numbered_with_parts(count: int, parts: int) -> str:
    """``count`` numbered question headings, each answer with ``parts`` sub-headings of its own."""
    sections = ["# Kitchen interview\n"]
    for number in range(1, count + 1):
        sections.append(f"## {number}. Why does step {number} of a braise matter?\n\nIt builds flavour.\n")
        for part in ("Overview", "How it works", "Pitfalls", "In practice", "Variations")[:parts]:
            sections.append(f"### {part}\n\nSome words on {part.lower()} for step {number}.\n")
            sections.append(f"#### Detail of {part.lower()}\n\nMore words.\n")
    return "\n".join(sections)


CLASSES = {
    "numbered-questions-whose-answers-hold-many-sub-headings": (
        numbered_with_parts(4, 5),
        [f"Why does step {n} of a braise matter?" for n in range(1, 5)],
    ),
    "requests-among-questions-of-one-level": (
        "# Sauces\n\n## Basics\n\n### Explain how a roux thickens\n\nStarch swells in the fat.\n\n"
        "### What is a mother sauce?\n\nOne of five bases.\n\n### Describe a beurre blanc\n\n"
        "Butter whisked into a reduction.\n\n### Difference between stock and broth\n\n"
        "Stock is made from bones.\n\n### Why does a sauce split?\n\nThe emulsion breaks.\n",
        [
            "Explain how a roux thickens",
            "What is a mother sauce?",
            "Describe a beurre blanc",
            "Difference between stock and broth",
            "Why does a sauce split?",
        ],
    ),
    "unnumbered-headings-beside-a-numbered-class-stay-sections": (
        "# Notes\n\n## Introduction\n\nWhy these notes exist.\n\n"
        + "".join(
            f"## {n}. What is knife skill {n}?\n\nPractice {n}.\n\n### Example\n\nCut.\n\n"
            f"### Notes\n\nMore.\n\n### See also\n\nBooks.\n\n### Drill\n\nDaily.\n\n"
            for n in range(1, 4)
        )
        + "## Summary\n\nPractise daily.\n",
        [f"What is knife skill {n}?" for n in range(1, 4)],
    ),
    "a-member-named-like-a-topic-stays-a-topic": (
        "# Knives\n\n### What is a santoku?\n\nA Japanese knife.\n\n### Sharpening stones\n\n"
        "Whetstones come in grits.\n\n### Why hone a knife?\n\nTo straighten the edge.\n\n"
        "### How to hold a knife?\n\nPinch grip.\n",
        ["What is a santoku?", "Why hone a knife?", "How to hold a knife?"],
    ),
    "questions-inside-a-class-members-answer-stay-in-it": (
        "# Bread\n\n"
        + "".join(
            f"## {n}. Explain step {n} of baking bread\n\nDo it well.\n\n### Why does it matter?\n\n"
            f"It shapes the loaf.\n\n### Example\n\nA baguette.\n\n#### Variations\n\nRye.\n\n"
            f"### Notes\n\nNone.\n\n### See also\n\nBooks.\n\n"
            for n in range(1, 4)
        ),
        [f"Explain step {n} of baking bread" for n in range(1, 4)],
    ),
    "a-quiz-of-numbered-stems-answered-in-admonitions": (
        "# Quiz\n\n---\n\n"
        + "".join(
            f'#### {n}. {stem}\n\n1. one\n2. two\n\n??? question "Show Answer"\n'
            f"    The correct answer is **B**.\n\n    **Concept Tested:** {n}\n\n---\n\n"
            for n, stem in enumerate(["A roux is made of:", "What thickens a sauce?", "A liaison uses:"], 1)
        ),
        [
            f"{stem}\n\n1. one\n2. two"
            for stem in ("A roux is made of:", "What thickens a sauce?", "A liaison uses:")
        ],
    ),
    "headings-opening-with-one-label-and-a-reading-list-among-them": (
        "## [Bread] - What is a poolish?\n\nA wet pre-ferment.\n\n## [Bread] - Autolyse\n\nFlour and water rest.\n\n"
        "## [Bread] - Why score a loaf?\n\nTo guide the rise.\n\n## [Bread] - Lamination\n\nFolding dough.\n\n"
        "## [Bread] - Further reading\n\n- [Flour](https://example.org/flour)\n- [Water](https://example.org/water)\n",
        [
            "[Bread] - What is a poolish?",
            "[Bread] - Autolyse",
            "[Bread] - Why score a loaf?",
            "[Bread] - Lamination",
        ],
    ),
    "a-shared-label-without-questions-stays-sections": (
        "## Python - lists\n\nOrdered.\n\n## Python - dicts\n\nKeyed.\n\n## Python - sets\n\nUnique.\n",
        [],
    ),
    "chinese-questions-and-requests-with-stars-some-unanswered": (
        "# 前端面试题\n\n## 1. 什么是闭包？⭐⭐⭐\n\n函数和其词法环境。\n\n## 2. 说说 Promise 的理解 ⭐⭐\n\n"
        "异步编程的解决方案。\n\n## 3. ★ 谈谈事件循环\n\n先宏任务后微任务。\n\n## 4. CSS 盒模型有哪些\n\n"
        "标准盒模型和 IE 盒模型。\n\n## 5. let 和 var 的区别（出现频率：90%）\n\n作用域不同。\n\n"
        "## 6. 什么是原型链？\n\n## 7. 简述 HTTP 缓存\n\n强缓存与协商缓存。\n",
        [
            "什么是闭包？⭐⭐⭐",
            "说说 Promise 的理解 ⭐⭐",
            "★ 谈谈事件循环",
            "CSS 盒模型有哪些",
            "let 和 var 的区别（出现频率：90%）",
            "简述 HTTP 缓存",
        ],
    ),
    "a-class-of-requests-alone-across-topics": (
        "# Databases\n\n## Indexes\n\n### Explain B-tree indexes\n\nSorted trees.\n\n"
        "### Describe hash indexes\n\nBuckets.\n\n## Transactions\n\n### Explain ACID\n\nFour promises.\n",
        ["Explain B-tree indexes", "Describe hash indexes", "Explain ACID"],
    ),
    "a-manuals-how-to-sections-stay-sections": (
        "# Tool\n\n## How to install\n\nRun pip.\n\n## How to configure\n\nEdit the file.\n\n"
        "## How to uninstall\n\nRun pip again.\n",
        [],
    ),
    "greek-questions-end-with-a-semicolon": (
        "# Δίκτυα\n\n## Τι είναι το HTTP;\n\nΠρωτόκολλο.\n\n## Τι κάνει ένας δρομολογητής;\n\nΠροωθεί πακέτα.\n",
        ["Τι είναι το HTTP;", "Τι κάνει ένας δρομολογητής;"],
    ),
    "questions-labelled-in-another-language-without-a-question-mark": (
        "# 日本史\n\n## 問1 鎌倉幕府を開いた人物\n\n源頼朝\n\n## 問2 江戸幕府を開いた人物\n\n徳川家康\n\n"
        "## Frage 3 Hauptstadt von Frankreich\n\nParis\n",
        ["鎌倉幕府を開いた人物", "江戸幕府を開いた人物", "Hauptstadt von Frankreich"],
    ),
    "questions-written-without-their-question-marks": (
        "# Docker\n\n## What is Docker\n\nA platform.\n\n## Why do we need containers\n\nPackaging.\n\n"
        "## How does a container differ from a VM\n\nA shared kernel.\n",
        ["What is Docker", "Why do we need containers", "How does a container differ from a VM"],
    ),
    "numbered-exercises-are-questions": (
        "# System design\n\n## 1. Design a URL shortener\n\nHash and store.\n\n## 2. Design a rate limiter\n\n"
        "Token bucket.\n\n## 3. Find the busiest hour\n\nGroup by hour.\n",
        ["Design a URL shortener", "Design a rate limiter", "Find the busiest hour"],
    ),
    "a-tutorials-numbered-steps-stay-sections": (
        "# Setup\n\n## 1. Create a project\n\nRun init.\n\n## 2. Build it\n\nRun build.\n\n## 3. Deploy\n\nPush.\n",
        [],
    ),
    "a-label-alone-over-its-question-and-an-answer-heading": (
        "# Kubernetes\n\n## Question 1\nWhat is a pod?\n\n### Answer\nThe smallest unit.\n\n"
        "## Question 2\nWhat is a service?\n\n### Answer\nA stable endpoint.\n",
        ["What is a pod?", "What is a service?"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), CLASSES.values(), ids=CLASSES.keys())
def test_cards_follow_the_class_of_their_headings(text: str, expected: list[str]) -> None:
    assert questions(text) == expected


DECORATED = {
    "bold-questions-with-emoji": (
        "## Statistics\n\n**What is regression? 👶**\n\nFitting a line.\n\n**What is variance? 🔥**\n\nSpread.\n",
        ["What is regression? 👶", "What is variance? 🔥"],
    ),
    "bold-questions-with-a-note-in-full-width-brackets": (
        "# 面试\n\n**什么是闭包？** （出现频率：95%）\n\n函数和其环境。\n\n"
        "**什么是原型链？**（出现频率：80%）\n\n对象继承。\n",
        ["什么是闭包？", "什么是原型链？"],
    ),
    "bold-list-items-with-emoji": (
        "# Sets\n\n- **What is a list? 🙂**\n  An ordered thing.\n- **What is a set?**\n  Unordered.\n",
        ["What is a list? 🙂", "What is a set?"],
    ),
    "headings-with-stars-and-tags-of-novelty": (
        "# FP\n\n## Setup\n\nInstall it.\n\n## Usage\n\nRun it.\n\n## Links\n\nSee more.\n\n"
        "## Notes\n\nNone.\n\n## What is a monad? ⭐ NEW\n\nA pattern.\n\n## What is a functor\uff1f(★)\n\nA map.\n",
        ["What is a monad? ⭐ NEW", "What is a functor\uff1f(★)"],
    ),
}


@pytest.mark.parametrize(("text", "expected"), DECORATED.values(), ids=DECORATED.keys())
def test_decorations_after_a_question_do_not_hide_it(text: str, expected: list[str]) -> None:
    assert questions(text) == expected


def test_an_admonition_labelled_as_the_answer_holds_it() -> None:
    parsed = read.parse(
        '## Whisk\n\nWhat does it do?\n\n??? note "Answer"\n    It beats air into cream.\n\n    **Tip:** chill it.\n',
        Path("notes.md"),
    )
    (card,) = parsed.deck.cards
    assert card.answer == "It beats air into cream.\n\n**Tip:** chill it."


DECORATIONS = st.sampled_from([" 🔥", " ⭐ NEW", " (advanced)", " （出现频率：90%）", " 👶", " (★)"])


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(CLASSES)), DECORATIONS, st.booleans())
def test_decorations_after_questions_and_a_table_of_contents_change_no_cards(
    name: str, decoration: str, with_contents: bool
) -> None:
    """Every question line decorated, a table of contents of links put on top: the same cards,
    each question as it was but for its decoration."""
    text, expected = CLASSES[name]
    decorated = "\n".join(
        line + decoration if line.startswith("#") and line.rstrip().endswith("?") else line
        for line in text.split("\n")
    )
    if with_contents:
        decorated = "- [Contents](#contents)\n- [Questions](#questions)\n\n" + decorated
    found = questions(decorated)
    assert [question.replace(decoration, "") for question in found] == expected
