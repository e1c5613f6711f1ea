"""User Markdown to safe HTML, once, when content is saved.

Two layers: Markdown is configured to treat raw HTML and images as text, then nh3 keeps
only an allow-list of tags and attributes and marks links as user content.
"""

from __future__ import annotations

import re

import markdown
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "h3", "h4"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
MENTION = re.compile(r"(?<![\w@/])@([\w.+-]{3,150})", re.UNICODE)


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["sane_lists", "nl2br", "fenced_code"], output_format="html")
    # No raw HTML (it shows as typed) and no inline images (PRODUCT.md §3).
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.deregister("image_link")
    md.inlinePatterns.deregister("image_reference")
    return md


def render_markdown(text: str) -> str:
    html = _markdown().convert(text)
    # Headings from # and ## would compete with the page's own; keep them as h3/h4.
    html = re.sub(r"<(/?)h[1-2]>", r"<\1h3>", html)
    html = re.sub(r"<(/?)h[5-6]>", r"<\1h4>", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        # Only absolute http(s)/mailto links: a relative href is also how obfuscated
        # schemes ("java\u200bscript:") would slip past the scheme allow-list.
        url_relative="deny",
        strip_comments=True,
    )


def mentioned_usernames(text: str) -> set[str]:
    """Usernames written as @username (lower-cased, as usernames are stored)."""
    return {match.rstrip(".").lower() for match in MENTION.findall(text)}
