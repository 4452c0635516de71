"""The shipped deck, read through the CLI as users and scripts see it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from deckbuilder.cli import main
from deckbuilder.html.markup import to_html

from .conftest import REPO, SEED

TOPIC_TAGS = {
    "attention", "architecture", "positional-encoding", "pretraining", "fine-tuning", "optimization",
    "rlhf", "long-context", "losses", "multimodal", "vision-language",
}  # fmt: skip


def seed_json(runner: CliRunner, monkeypatch) -> dict:  # type: ignore[no-untyped-def, type-arg]
    monkeypatch.chdir(REPO)
    result = runner.invoke(main, ["list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_seed_is_a_byte_copy_of_the_shared_seed() -> None:
    shared = REPO.parent / "shared" / "seed" / SEED.name
    if shared.exists():
        assert shared.read_bytes() == SEED.read_bytes()


def test_seed_cards(runner: CliRunner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = seed_json(runner, monkeypatch)
    [deck] = data["decks"]
    assert set(deck) == {"title", "anki_deck", "source", "footer", "cards"}
    cards = deck["cards"]
    assert len(cards) == 32
    first = cards[0]
    assert set(first) == {
        "guid",
        "number",
        "question",
        "answer",
        "question_html",
        "answer_html",
        "tags",
        "source",
        "shape",
        "note_type",
    }
    assert {card["shape"] for card in cards} == {"heading"}
    assert {card["note_type"] for card in cards} == {None}  # deckbuilder's own note types
    assert first["number"] == 1
    assert first["question"] == (
        "Describe the concept of learning rate scheduling and its role in optimizing the training "
        "process of generative models over time."
    )
    assert first["answer"].startswith("Learning rate scheduling adjusts")
    assert "Answer:" not in first["answer"] and "Answer:" not in first["answer_html"]
    assert first["source"] == "source/transformer-questions.md:3"
    assert [card["number"] for card in cards] == list(range(1, 33))
    assert len({card["guid"] for card in cards}) == 32


def test_seed_footer_is_not_part_of_the_last_card(runner: CliRunner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    deck = seed_json(runner, monkeypatch)["decks"][0]
    last = deck["cards"][-1]
    assert "These concise answers" not in last["answer"] + last["answer_html"]
    assert last["answer"].endswith("learned attention patterns.")
    assert deck["footer"].startswith("*These concise answers cover transformer architecture")


def test_seed_topic_tags(runner: CliRunner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cards = seed_json(runner, monkeypatch)["decks"][0]["cards"]
    for card in cards:
        assert TOPIC_TAGS & set(card["tags"]), card["number"]
        assert ("multimodal" in card["tags"]) == (card["number"] >= 21), card["number"]


def test_seed_formula_comes_out_literally(runner: CliRunner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    card = seed_json(runner, monkeypatch)["decks"][0]["cards"][9]
    assert "softmax(QK^T/√d_k)V" in card["answer"]
    assert "softmax(QK^T/√d_k)V" in card["answer_html"]
    assert "<i>" not in card["answer_html"]


def test_seed_labelled_sections_are_strong(runner: CliRunner, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    card = seed_json(runner, monkeypatch)["decks"][0]["cards"][0]
    assert "<b>Role:</b>" in card["answer_html"]


MARKUP_CASES = {
    "inline code": ("`x = 1`", "<code>x = 1</code>"),
    "emphasis": ("*a* and **b**", "<i>a</i> and <b>b</b>"),
    "list": ("- a\n- b", "<li>a</li>"),
    "table": ("| a |\n|---|\n| 1 |", "<td>1</td>"),
    "highlighted code": ("```python\ndef f(): pass\n```", '<span class="k">def</span>'),
    "unknown language": ("```nosuchlang\n<x>\n```", '<pre><code class="language-nosuchlang">&lt;x&gt;'),
    "image": ("![alt](img/a.png)", '<img src="img/a.png" alt="alt">'),
    "inline math": ("$a_1 * b_2 * c$", '<span class="math">$a_1 * b_2 * c$</span>'),
    "display math": ("$$\n\\sum_i x_i\n$$", '<div class="math">$$\\sum_i x_i$$</div>'),
    "dollar amounts": ("costs $3 and $4", "<p>costs $3 and $4</p>"),
    "math in code": ("`$x$`", "<code>$x$</code>"),
}


def test_markup_rules() -> None:
    for name, (markdown, expected) in MARKUP_CASES.items():
        assert expected in to_html(markdown), name


def test_markup_sanitizes_raw_html() -> None:
    html = to_html('<script>alert(1)</script>\n\n<img src="x" onerror="alert(1)"> [a](javascript:alert(1))')
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<p>" in html


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    command = venv + 'python -m pip install -e ".[test]" && python -m pytest'
    assert command in readme
    assert command in ci.splitlines()
    assert venv + "python -m pip install . && deckbuilder build" in readme


def test_output_folder_holds_only_a_placeholder_in_git() -> None:
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "output"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.split()
    assert tracked in ([], ["output/.gitkeep"])
    assert (REPO / "output" / ".gitkeep").exists()


def test_readme_examples_are_valid(runner: CliRunner, tmp_path: Path) -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for index, example in enumerate(re.findall(r"```markdown\n(.*?)```", readme, re.S)):
        (tmp_path / f"example{index}.md").write_text(example, encoding="utf-8")
    [settings] = re.findall(r"```toml\n(\[deck\].*?)```", readme, re.S)
    (tmp_path / "deckbuilder.toml").write_text(settings, encoding="utf-8")
    result = runner.invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.stderr


def test_markup_keeps_safe_inline_styles_and_drops_the_rest() -> None:
    """Colours, weight, decoration and alignment (what Anki's editor writes) survive; positioning,
    hiding and anything that loads do not."""
    html = to_html(
        '<span style="color: rgb(255, 0, 0); position: absolute; top: 0">red</span> '
        '<span style="background-image: url(http://x/y.png); background-color: #ff0">bg</span> '
        '<font color="red" onclick="steal()">f</font> <b style="display: none; text-decoration: underline">u</b>'
    )
    assert 'style="color: rgb(255, 0, 0);"' in html and 'style="background-color: #ff0;"' in html
    assert '<font color="red">f</font>' in html and 'style="text-decoration: underline;"' in html
    assert not any(word in html for word in ("position", "url(", "onclick", "display", "top:"))
    # A style of harmless declarations alone stays as written, as Anki's editor wrote it.
    kept = '<span style="color: rgb(0, 0, 255);">blue</span>'
    assert kept in to_html(kept)
    for hostile in ("color: u\\72l(x)", "color: expression(alert(1))", "font-family: a/**/b"):
        assert "style" not in to_html(f'<span style="{hostile}">x</span>')
