"""Extensions, created here and bound to the app in create_app (the factory pattern)."""

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from sync.tables import define_sync_tables

from . import rate_limit_storage  # noqa: F401 (registers the fieldbook-db:// storage)
from .models import Base

db = SQLAlchemy(model_class=Base)
sync_tables = define_sync_tables(Base.metadata)
migrate = Migrate()
jwt = JWTManager()
openapi = Api()
# Its counters are in Redis when REDIS_URL is set, else in the database
# (RATELIMIT_STORAGE_URI, server/config.py): never in a worker's memory, which would give
# each gunicorn worker a limit of its own.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
