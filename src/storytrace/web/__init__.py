"""The local web UI: `create_app(db_path)` -> a FastAPI app over the store.

Server-side jinja templates (autoescaped), no CDN, the same JSON under /api (schema at
/openapi.json). Safe by default for a tool that runs on a laptop:
- binds 127.0.0.1 (`serve`), and answers only to local Host names (DNS-rebinding guard);
- Content-Security-Policy without inline script (JS and CSS served from /static), nosniff,
  no framing, no referrer;
- write routes refuse cross-site requests: an Origin/Sec-Fetch-Site check on every POST, a
  per-process CSRF token on forms, and JSON-only bodies on the API;
- a size limit on uploads (and a body length required); uploaded names are reduced to a base
  name, so nothing can point outside; ids are only dictionary keys, never paths.

The store and the pipeline are other modules' (`storytrace.store.Store(path).load_analysis()`,
`storytrace.api.add_texts(db_path, items)`); they are imported when first needed, so this
module loads (and says clearly what is missing) before they exist.
"""
from __future__ import annotations

from .app import create_app, serve

__all__ = ["create_app", "serve"]
