"""Reading: markdown text to a ParsedDeck (front matter, blocks, layout, shapes, cards, tags). Pure."""
