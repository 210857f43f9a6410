"""Markdown becomes safe HTML: no script, no event handler, no javascript: link, whatever an
author writes; links get rel="noopener noreferrer nofollow"."""

from __future__ import annotations

from frontdesk.kb.markdown import markdown_to_html


def test_markdown_is_rendered() -> None:
    html = markdown_to_html("## Passes\n\n**Ten** classes, *four* months.\n\n- one\n- two")
    assert "<h2>Passes</h2>" in html
    assert "<strong>Ten</strong>" in html and "<em>four</em>" in html
    assert "<li>one</li>" in html


def test_a_script_is_text_not_a_tag() -> None:
    html = markdown_to_html('Hi <script>alert("x")</script> <img src=x onerror=alert(1)>')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_dropped() -> None:
    for text in (
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox)",
        '<a href="javascript:alert(1)">click</a>',
        "<javascript:alert(1)>",
    ):
        html = markdown_to_html(text).lower()
        assert "<a " not in html, (text, html)


def test_links_are_marked_and_kept() -> None:
    html = markdown_to_html("[Timetable](https://studio.example/timetable)")
    assert html.strip() == (
        '<p><a href="https://studio.example/timetable" rel="noopener noreferrer nofollow">'
        "Timetable</a></p>"
    )


def test_no_event_handler_or_style_survives() -> None:
    html = markdown_to_html('<p onclick="x" style="color:red">hi</p>\n\n| a |\n|:-:|\n| 1 |')
    assert "<p onclick" not in html and "&lt;p onclick" in html  # shown as text
    assert "<table>" in html and "<th>a</th>" in html  # the alignment's style is dropped
