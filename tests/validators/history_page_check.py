"""Opens trend pages (history.html) in headless Chromium through Playwright and checks them.

Usage: history_page_check.py MANIFEST.json

The manifest lists cases: {"name", "page", "charts", "points", "marks", "hover": [{"chart",
"run", "text"}], "hostile": [text, ...], "screenshot"}. For each case, with JavaScript on: no console
error, no request but the page itself, the number of charts and points, hovering a run shows its
value (and the arrow keys move to the run before), hostile text is shown as text and nothing it
holds became an element; then with JavaScript off: the same charts and tables still show. A
screenshot of each case is written to its "screenshot" path.

Exit status 77 (and a line starting with SKIP) when the playwright package or
/usr/bin/chromium is missing; 1 with the failures listed otherwise.
"""

import json
import os
import pathlib
import sys

CHROMIUM = "/usr/bin/chromium"

try:
    from playwright.sync_api import sync_playwright
except ImportError as err:  # pragma: no cover - depends on the machine
    print(f"SKIP: the playwright Python package is not installed ({err})")
    sys.exit(77)
if not os.access(CHROMIUM, os.X_OK):
    print(f"SKIP: {CHROMIUM} is missing (Debian package chromium)")
    sys.exit(77)


def watch(context, page, url, problems, name):
    """Fails on any request but the page, and on console errors and page errors."""

    def route(route):
        if route.request.url == url:
            route.continue_()
        else:
            problems.append(f"{name}: request to {route.request.url}")
            route.abort()

    context.route("**/*", route)
    page.on("request", lambda r: r.url != url and problems.append(f"{name}: request {r.url}"))
    page.on(
        "console",
        lambda m: m.type in ("error", "warning") and problems.append(f"{name}: console {m.type}: {m.text}"),
    )
    page.on("pageerror", lambda e: problems.append(f"{name}: page error {e}"))


def expect(problems, name, what, got, want):
    if got != want:
        problems.append(f"{name}: {what}: got {got!r}, want {want!r}")


def hover_run(page, chart, run):
    """Moves the mouse over run `run` (1-based) of chart `chart`; returns the tip's text."""
    svg = page.locator(f"#c{chart} svg")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    view_width = float(svg.get_attribute("viewBox").split()[2])
    x0 = float(svg.get_attribute("data-x"))
    dx = float(svg.get_attribute("data-dx"))
    x = box["x"] + (x0 + (run - 1) * dx) * box["width"] / view_width
    # Chromium gives mouse events whole-pixel coordinates: the nearest pixel to the run.
    page.mouse.move(round(x), round(box["y"] + box["height"] / 2))
    return page.locator(f"#c{chart} .tip").inner_text()


def check_scripted(browser, case, problems):
    name, url = case["name"], pathlib.Path(case["page"]).resolve().as_uri()
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    watch(context, page, url, problems, name)
    page.goto(url)
    expect(problems, name, "charts", page.locator("figure.chart").count(), case["charts"])
    expect(problems, name, "points", page.locator("circle.pt").count(), case["points"])
    expect(problems, name, "change points", page.locator("line.cp").count(), case["marks"])
    if case["marks"]:
        expect(problems, name, "change point labels", page.locator("text.cpl").count(), case["marks"])
        expect(problems, name, "bands", page.locator("rect.b").count(), 1)
    expect(problems, name, "data tables", page.locator("figure.chart table").count(), case["charts"])
    for hover in case["hover"]:
        text = hover_run(page, hover["chart"], hover["run"])
        if hover["text"] not in text:
            problems.append(f"{name}: hovering run {hover['run']} shows {text!r}, not {hover['text']!r}")
        page.locator(f"#c{hover['chart']} svg").focus()
        page.keyboard.press("ArrowLeft")
        text = page.locator(f"#c{hover['chart']} .tip").inner_text()
        if hover["run"] > 1 and f"run #{hover['run'] - 1}" not in text:
            problems.append(f"{name}: ArrowLeft shows {text!r}")
    for text in case["hostile"]:
        if page.get_by_text(text, exact=False).count() == 0:
            problems.append(f"{name}: the hostile text {text!r} is not shown as text")
    if case["hostile"]:
        expect(problems, name, "injected img", page.locator("img").count(), 0)
        expect(problems, name, "b elements", page.locator("b").count(), 0)
        expect(problems, name, "script elements", page.locator("script").count(), 2)
        expect(problems, name, "window.pwned", page.evaluate("typeof window.pwned"), "undefined")
    if case["charts"] == 0:
        expect(problems, name, "empty notice", page.locator("#empty").is_visible(), True)
    page.screenshot(path=case["screenshot"], full_page=case["charts"] <= 4)
    context.close()


def check_without_script(browser, case, problems):
    name, url = case["name"] + " (no JavaScript)", pathlib.Path(case["page"]).resolve().as_uri()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    watch(context, page, url, problems, name)
    page.goto(url)
    expect(problems, name, "charts", page.locator("figure.chart svg").count(), case["charts"])
    expect(problems, name, "points", page.locator("circle.pt").count(), case["points"])
    if case["charts"]:
        expect(problems, name, "first chart visible", page.locator("#c0 svg").is_visible(), True)
        expect(problems, name, "first table visible", page.locator("#c0 table").is_visible(), True)
        expect(problems, name, "line drawn", page.locator("#c0 path.l").count(), 1)
    expect(problems, name, "runs table visible", page.locator("#runs").is_visible(), True)
    context.close()


def main():
    manifest = json.loads(pathlib.Path(sys.argv[1]).read_text())
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for case in manifest["cases"]:
            check_scripted(browser, case, problems)
            check_without_script(browser, case, problems)
            print(f"{case['name']}: checked, screenshot {case['screenshot']}")
        browser.close()
    if problems:
        print("\n".join(problems))
        sys.exit(1)


if __name__ == "__main__":
    main()
