"""storytrace: how one news story travels across outlets."""
from storytrace.model import Article, Rejection, article_id

__version__ = "0.1.0"


def __getattr__(name: str):
    # The API pulls in the pipeline; import it lazily so `import storytrace` stays cheap.
    if name in ("analyze", "add", "Analysis"):
        from storytrace import api
        return getattr(api, name)
    raise AttributeError(name)


__all__ = ["Article", "Rejection", "article_id", "analyze", "add", "Analysis", "__version__"]
