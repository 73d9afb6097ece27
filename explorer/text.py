"""Values that come from outside (a URL, a file's name, a student), shown as the text they are.

Streamlit renders Markdown in headings, captions, notices and tables: a file named
`[x](http://…)`, or a `?model=` value with a backtick, would otherwise become a link, an image
fetched from another site, or a broken table. `plain()` makes any such value literal text.
"""

from __future__ import annotations

# CommonMark lets a backslash escape any ASCII punctuation, `<` and `&` included (so no HTML and
# no entity is left); Streamlit's own syntax adds `$` (LaTeX) and `:` (emoji, :color[text]).
MARKDOWN = set("\\`*_{}[]()#+-.!|~<>$:\"'&=;?/@%^,")


def plain(text: object) -> str:
    """`text` as Markdown that shows exactly those characters, on one line, with no HTML,
    no formatting, no link and no image."""
    line = " ".join(str(text).split())  # a line break would end a table row or a heading
    return "".join("\\" + c if c in MARKDOWN else c for c in line)
