"""Every domain's tables, imported in one place so migrations and tests see the whole schema."""

from microreach.accounts import models as accounts_models
from microreach.creators import models as creators_models
from microreach.db.base import Base
from microreach.scores import models as scores_models
from microreach.synthetic import models as synthetic_models

metadata = Base.metadata

__all__ = ["accounts_models", "creators_models", "metadata", "scores_models", "synthetic_models"]
