#!/usr/bin/env python3
"""Every link of the generated API reference works: each relative href/src of each HTML page names
a file of the reference, and each #fragment an id (or name) in the page it points to. A guide link
that only works on a repository browser (../examples/..., a heading anchor Doxygen does not make)
fails here instead of in a reader's browser. External (scheme:) links are not checked.

    check_reference_links.py <html directory>
"""
import html.parser
import os
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self.anchors = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") and tag != "base":
                self.links.append(value)
            elif name == "id" or (name == "name" and tag == "a"):
                self.anchors.add(value)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_reference_links.py <html directory>")
    root = os.path.realpath(sys.argv[1])
    if not os.path.isfile(os.path.join(root, "index.html")):
        sys.exit(f"check_reference_links: {root}/index.html is missing (build the reference first)")
    pages = {}
    for folder, _, files in os.walk(root):
        for file in files:
            if file.endswith(".html"):
                path = os.path.join(folder, file)
                page = Page()
                with open(path, encoding="utf-8", errors="replace") as text:
                    page.feed(text.read())
                pages[path] = page
    broken = []
    for path, page in sorted(pages.items()):
        for link in page.links:
            parts = urllib.parse.urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("javascript:"):
                continue
            target = path
            if parts.path:
                target = os.path.realpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(parts.path)))
            where = os.path.relpath(path, root)
            if target != root and not target.startswith(root + os.sep):
                broken.append(f"{where}: {link} leaves the reference")
            elif not os.path.exists(target):
                broken.append(f"{where}: {link}: no such file")
            elif parts.fragment and target in pages and urllib.parse.unquote(parts.fragment) not in pages[target].anchors:
                broken.append(f"{where}: {link}: no such anchor")
    for line in sorted(set(broken)):
        print(f"check_reference_links: {line}", file=sys.stderr)
    if broken:
        sys.exit(1)
    print(f"check_reference_links: every link of {len(pages)} pages works")


if __name__ == "__main__":
    main()
