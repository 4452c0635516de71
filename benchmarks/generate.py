"""Deterministic synthetic decks in the shape of the shipped seed deck, for benchmarks.

python3 benchmarks/generate.py 10000 > deck.md
"""

from __future__ import annotations

import random
import sys

WORDS = (
    "attention",
    "transformer",
    "encoder",
    "decoder",
    "token",
    "sequence",
    "gradient",
    "layer",
    "model",
    "training",
    "data",
    "loss",
    "embedding",
    "position",
    "context",
    "memory",
    "parallel",
    "weight",
    "learning",
    "representation",
    "language",
    "vision",
    "objective",
    "batch",
    "optimizer",
    "schedule",
    "pretraining",
    "fine-tuning",
    "inference",
    "latency",
    "cache",
    "head",
    "norm",
    "residual",
    "dropout",
    "vocabulary",
    "corpus",
    "alignment",
    "reward",
    "policy",
    "sampling",
    "temperature",
    "decoding",
    "beam",
)
LABELS = ("Role", "Key Difference", "Benefits", "Challenges", "Process", "Usage", "Impact", "Mitigation")
OPENERS = ("How does", "Why is", "What is", "Explain how", "Describe why", "Compare how", "When does")


def _sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    if rng.random() < 0.5:
        index = rng.randrange(len(chosen))
        chosen[index] = f"*{chosen[index]}*"
    if rng.random() < 0.4:
        index = rng.randrange(len(chosen))
        chosen[index] = f"`{chosen[index]}_{rng.randrange(100)}`"
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def _extra(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "```python\ndef step(x):\n    return x * 2  # double it\n```\n\n"
    if roll < 0.08:
        return "| Model | Heads |\n|---|---|\n| base | 12 |\n| large | 16 |\n\n"
    if roll < 0.13:
        return f"It scales as $O(n^{rng.randrange(2, 4)})$ in the sequence length.\n\n"
    return ""


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randrange(8, 16)) for _ in range(rng.randrange(1, 3)))


def card(rng: random.Random, number: int) -> str:
    question = (
        f"{rng.choice(OPENERS)} {' '.join(rng.choice(WORDS) for _ in range(rng.randrange(6, 16)))} {number}?"
    )
    answer = " ".join(_sentence(rng, rng.randrange(8, 18)) for _ in range(rng.randrange(1, 3)))
    labelled = "".join(f"**{rng.choice(LABELS)}:** {_paragraph(rng)}\n\n" for _ in range(rng.randrange(1, 3)))
    return f"## {number}. {question}\n\n**Answer:**\n{answer}\n\n{labelled}{_extra(rng)}"


def deck(cards: int, seed: int = 20261129) -> str:
    """A deck of ``cards`` cards; the same arguments always give the same text."""
    rng = random.Random(seed)
    body = "".join(card(rng, number) for number in range(1, cards + 1))
    return f"# Synthetic deck of {cards} cards\n\n{body}---\n\n*Generated for benchmarks.*\n"


def edited(text: str, count: int, seed: int = 7) -> str:
    """The deck with ``count`` answers changed, as a user's day of edits would."""
    rng = random.Random(seed)
    marker = "**Answer:**\n"
    positions = [i for i in range(len(text)) if text.startswith(marker, i)] if count else []
    chosen = set(rng.sample(range(len(positions)), min(count, len(positions))))
    pieces, last = [], 0
    for index, position in enumerate(positions):
        if index in chosen:
            cut = position + len(marker)
            pieces.append(text[last:cut] + "Edited today. ")
            last = cut
    pieces.append(text[last:])
    return "".join(pieces)


if __name__ == "__main__":
    sys.stdout.write(deck(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
