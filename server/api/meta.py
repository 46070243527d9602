"""Vocabularies with their labels, and the health check."""

from flask import Blueprint as FlaskBlueprint
from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import text

from ..domain import GIFT_VALUE_CAP, STRATEGY_MATRIX, VOCABULARIES, labels
from ..extensions import db

bp = Blueprint("meta", __name__, url_prefix="/api/v1", description="Vocabularies")
health = FlaskBlueprint("health", __name__)


@bp.route("/meta", methods=["GET"])
@bp.response(200)
def meta():
    """Every enumeration the API accepts, with English and Chinese labels."""
    return {
        "vocabularies": {name: labels(vocabulary) for name, vocabulary in VOCABULARIES.items()},
        "strategy_matrix": [{"potential_profit": p, "payback_period": b, "strategy": s}
                            for (p, b), s in STRATEGY_MATRIX.items()],
        "gift_value_cap": GIFT_VALUE_CAP,
        # Past this distance from the customer a check-in is flagged far (the phone's
        # own warning uses it unless the rep set another in settings).
        "checkin_far_meters": current_app.config["CHECKIN_FAR_METERS"],
        # The login screen shows the demo credentials only when this is true.
        "demo": current_app.config["DEMO_MODE"],
    }


@health.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
