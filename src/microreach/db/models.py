"""Every domain's tables, imported in one place so migrations and tests see the whole schema."""

from microreach.accounts import models as accounts_models
from microreach.brands import models as brands_models
from microreach.campaigns import models as campaigns_models
from microreach.connectors import models as connectors_models
from microreach.conversions import models as conversions_models
from microreach.creators import models as creators_models
from microreach.db.base import Base
from microreach.discovery import models as discovery_models
from microreach.links import models as links_models
from microreach.lists import models as lists_models
from microreach.privacy import models as privacy_models
from microreach.reports import models as reports_models
from microreach.reports import sharing as reports_sharing
from microreach.scores import models as scores_models
from microreach.synthetic import models as synthetic_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "brands_models",
    "campaigns_models",
    "connectors_models",
    "conversions_models",
    "creators_models",
    "discovery_models",
    "links_models",
    "lists_models",
    "metadata",
    "privacy_models",
    "reports_models",
    "reports_sharing",
    "scores_models",
    "synthetic_models",
]
