"""The markdown dialect that reading and rendering share: mistune parsers, the math and cloze plugins."""
