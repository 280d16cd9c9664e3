"""storytrace: how one news story travels across outlets."""
from storytrace.model import Article, Rejection, article_id

__version__ = "0.1.0"
__all__ = ["Article", "Rejection", "article_id", "__version__"]
