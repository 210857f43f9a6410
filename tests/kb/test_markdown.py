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


def test_images_only_from_the_desks_own_addresses() -> None:
    html = markdown_to_html("![The timetable](/kb/images/5)")
    assert '<img src="/kb/images/5" alt="The timetable">' in html
    for text in (
        "![x](https://evil.example/a.png)",
        "![x](//evil.example/kb/images/5)",
        "![x](/kb/images/5/../../../admin)",
        "![x](/kb/images/5?track=1)",
        "![x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](javascript:alert(1))",
        "![x](/kb/images/0)",
        "![x](/attachments/5)",
    ):
        html = markdown_to_html(text)
        assert "<img" not in html, text
        assert "x" in html, text  # shown as its description


def test_the_sanitiser_has_the_last_word_on_images() -> None:
    """Even an <img> that reached nh3 some other way keeps only an address of the desk's own."""
    import nh3

    from frontdesk.kb import markdown

    cleaned = nh3.clean(
        '<img src="https://evil.example/a.png" alt="a"><img src="/kb/images/3" onerror="x">',
        tags=set(markdown.TAGS),
        attributes={tag: set(names) for tag, names in markdown.ATTRIBUTES.items()},
        attribute_filter=markdown._only_own_images,
    )
    assert cleaned == '<img alt="a"><img src="/kb/images/3">'
