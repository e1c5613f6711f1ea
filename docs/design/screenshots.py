"""The before/after screenshots of docs/design.md: five pages of the demo community at 390 and
1280 px, light theme, French, viewport only, quantised to 64 colours (small PNGs).

    python docs/design/screenshots.py BASE TOTP_SECRET_FILE OUT_DIR SUFFIX IDEA_PATH

against a demo server (`manage.py seed_demo`, then `runserver`) of the commit to show; the
brand manager's second factor is read from TOTP_SECRET_FILE (tests.factories.totp_enrol gives
the secret). SUFFIX is "before" (commit 2c4733b) or "after" (main); IDEA_PATH is the page of
"Remboursement automatique en cas de retard"."""

from __future__ import annotations

import base64
import hmac
import io
import struct
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

PAGES = [
    ("visitor", "home", "/"),
    ("visitor", "ideas", "/ideas/"),
    ("visitor", "idea", None),
    ("demo-membre", "notification-settings", "/notifications/settings/"),
    ("demo-marque", "brand-console", "/manage/"),
]
SIZES = ((390, 844), (1280, 800))


def totp_code(secret: str) -> str:
    """RFC 6238, as the authenticator app computes it (no Django needed here)."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
    offset = digest[-1] & 15
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def sign_in(page, base: str, username: str, secret_file: Path) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "cluetrain-demo")
    page.locator("main form [type=submit]").first.click()
    page.wait_for_load_state()
    if "2fa/authenticate" in page.url:
        page.fill("input[name=code]", totp_code(secret_file.read_text().strip()))
        page.locator("main form [type=submit]").first.click()
        page.wait_for_load_state()


def main(base: str, secret_file: str, out: str, suffix: str, idea: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        pages = {}
        for username, name, path in PAGES:
            if username not in pages:
                pages[username] = browser.new_context(locale="fr-FR", color_scheme="light").new_page()
                if username != "visitor":
                    sign_in(pages[username], base, username, Path(secret_file))
            page = pages[username]
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                page.goto(base + (path or idea))
                image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
                image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
                    f"{out}/{name}--{width}--{suffix}.png", optimize=True
                )
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:6])
