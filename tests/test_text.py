"""Values from outside shown as text (explorer/text.py), checked with Streamlit's own renderer's
rules: CommonMark, as markdown-it parses it, with no link, image, HTML or formatting left."""

import markdown_it
import pytest

from explorer.text import plain

HOSTILE = [
    "![x](http://127.0.0.1:9/x.png)",
    "[click](javascript:alert(1))",
    "`code` **bold** _it_ ~~gone~~",
    "<img src=x onerror=alert(1)>",
    "a | b | c",
    "# heading\nsecond line",
    "$x^2$ :red[red] :smile:",
    "back\\slash & <b>",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_renders_as_exactly_its_characters(value):
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(plain(value))
    assert "<a " not in rendered and "<img" not in rendered and "<code>" not in rendered
    assert "<strong>" not in rendered and "<em>" not in rendered and "<h1>" not in rendered
    text = markdown_it.MarkdownIt("commonmark").parseInline(plain(value))[0].children
    assert "".join(token.content for token in text) == " ".join(value.split())
