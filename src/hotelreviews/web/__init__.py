"""The web pages: the Explorer (search hotels, a hotel's reputation, trend and reviews,
full-text search), served by the API's own application (docs/web.md).

Each page is a small HTML document (templates/) whose scripts (static/) read the page's
state from its URL and render it from the public API's JSON (/api/v1), the responses the
API's cache and the browser's HTTP cache already hold. Filters are plain GET forms, so every
state is a URL: deep links and the back button work without a client-side router. Review
text only ever reaches the page as text (textContent), never as markup.
"""
