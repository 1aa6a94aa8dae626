# -*- coding: utf-8 -*-
import os
from cms.envs.production import *

####### Settings common to LMS and CMS
import json
import os

from xmodule.modulestore.modulestore_settings import update_module_store_settings

# Re-bind the FEATURES proxy to this settings module, so that both flat feature
# settings and legacy FEATURES["..."] reads and writes resolve here.
try:
    from openedx.core.lib.features_setting_proxy import FeaturesProxy
    FEATURES = FeaturesProxy(globals())
except ImportError:
    pass

# Mongodb connection parameters: simply modify `mongodb_parameters` to affect all connections to MongoDb.
mongodb_parameters = {
    "db": "openedx",
    "host": "mongo-0.db.example.org,mongo-1.db.example.org,mongo-2.db.example.org",
    "port": 27017,
    "user": "openedx",
    "password": "example-production-mongodb-password",
    # Connection/Authentication
    "connect": False,
    "ssl": True,
    "authsource": "admin",
    "replicaSet": "rs0",
    
}
DOC_STORE_CONFIG = mongodb_parameters
CONTENTSTORE = {
    "ENGINE": "xmodule.contentstore.mongo.MongoContentStore",
    "ADDITIONAL_OPTIONS": {},
    "DOC_STORE_CONFIG": DOC_STORE_CONFIG
}
# Load module store settings from config files
update_module_store_settings(MODULESTORE, doc_store_settings=DOC_STORE_CONFIG)
DATA_DIR = "/openedx/data/modulestore"

for store in MODULESTORE["default"]["OPTIONS"]["stores"]:
   store["OPTIONS"]["fs_root"] = DATA_DIR

# Behave like memcache when it comes to connection errors
DJANGO_REDIS_IGNORE_EXCEPTIONS = True

# Meilisearch connection parameters
MEILISEARCH_ENABLED = True
MEILISEARCH_URL = "https://search.example.org"
MEILISEARCH_PUBLIC_URL = "https://meilisearch.lms.example.org"
MEILISEARCH_INDEX_PREFIX = "tutor_"
MEILISEARCH_API_KEY = "62e09400efed2d0c5453dc418fb8e44e8b815de117f23d6d9f11a3eaff7b9a12"
MEILISEARCH_MASTER_KEY = "0DA6v3MfARReCSZb6n0J5QtR"
SEARCH_ENGINE = "search.meilisearch.MeilisearchEngine"

# Common cache config
CACHES = {
    "default": {
        "KEY_PREFIX": "default",
        "VERSION": "1",
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    },
    "general": {
        "KEY_PREFIX": "general",
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    },
    "mongo_metadata_inheritance": {
        "KEY_PREFIX": "mongo_metadata_inheritance",
        "TIMEOUT": 300,
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    },
    "configuration": {
        "KEY_PREFIX": "configuration",
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    },
    "celery": {
        "KEY_PREFIX": "celery",
        "TIMEOUT": 7200,
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    },
    "course_structure_cache": {
        "KEY_PREFIX": "course_structure",
        "TIMEOUT": 604800, # 1 week
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    },
    "ora2-storage": {
        "KEY_PREFIX": "ora2-storage",
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://@redis:6379/1",
    }
}

# The default Django contrib site is the one associated to the LMS domain name. 1 is
# usually "example.com", so it's the next available integer.
SITE_ID = 2

# Contact addresses
CONTACT_MAILING_ADDRESS = "Example University - https://lms.example.org"
DEFAULT_FROM_EMAIL = ENV_TOKENS.get("DEFAULT_FROM_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
DEFAULT_FEEDBACK_EMAIL = ENV_TOKENS.get("DEFAULT_FEEDBACK_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
SERVER_EMAIL = ENV_TOKENS.get("SERVER_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
TECH_SUPPORT_EMAIL = ENV_TOKENS.get("TECH_SUPPORT_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
CONTACT_EMAIL = ENV_TOKENS.get("CONTACT_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
BUGS_EMAIL = ENV_TOKENS.get("BUGS_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
UNIVERSITY_EMAIL = ENV_TOKENS.get("UNIVERSITY_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
PRESS_EMAIL = ENV_TOKENS.get("PRESS_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
PAYMENT_SUPPORT_EMAIL = ENV_TOKENS.get("PAYMENT_SUPPORT_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
BULK_EMAIL_DEFAULT_FROM_EMAIL = ENV_TOKENS.get("BULK_EMAIL_DEFAULT_FROM_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
API_ACCESS_MANAGER_EMAIL = ENV_TOKENS.get("API_ACCESS_MANAGER_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])
API_ACCESS_FROM_EMAIL = ENV_TOKENS.get("API_ACCESS_FROM_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])

# Get rid completely of coursewarehistoryextended, as we do not use the CSMH database
INSTALLED_APPS.remove("lms.djangoapps.coursewarehistoryextended")
DATABASE_ROUTERS.remove(
    "openedx.core.lib.django_courseware_routers.StudentModuleHistoryExtendedRouter"
)

# Set uploaded media file path
MEDIA_ROOT = "/openedx/media/"

# Video settings
VIDEO_IMAGE_SETTINGS["STORAGE_KWARGS"]["location"] = MEDIA_ROOT
VIDEO_TRANSCRIPTS_SETTINGS["STORAGE_KWARGS"]["location"] = MEDIA_ROOT

GRADES_DOWNLOAD = {
    "STORAGE_TYPE": "",
    "STORAGE_KWARGS": {
        "base_url": "/media/grades/",
        "location": "/openedx/media/grades",
    },
}

# ORA2
ORA2_FILEUPLOAD_BACKEND = "filesystem"
ORA2_FILEUPLOAD_ROOT = "/openedx/data/ora2"
FILE_UPLOAD_STORAGE_BUCKET_NAME = "openedxuploads"
ORA2_FILEUPLOAD_CACHE_NAME = "ora2-storage"

# Change syslog-based loggers which don't work inside docker containers
LOGGING["handlers"]["local"] = {
    "class": "logging.handlers.WatchedFileHandler",
    "filename": os.path.join(LOG_DIR, "all.log"),
    "formatter": "standard",
}
LOGGING["handlers"]["tracking"] = {
    "level": "DEBUG",
    "class": "logging.handlers.WatchedFileHandler",
    "filename": os.path.join(LOG_DIR, "tracking.log"),
    "formatter": "standard",
}
LOGGING["loggers"]["tracking"]["handlers"] = ["console", "local", "tracking"]

# Silence some loggers (note: we must attempt to get rid of these when upgrading from one release to the next)
LOGGING["loggers"]["blockstore.apps.bundles.storage"] = {"handlers": ["console"], "level": "WARNING"}

# These warnings are visible in simple commands and init tasks
import warnings

# REMOVE-AFTER-V20: check if we can remove these lines after upgrade.
try:
    from django.utils.deprecation import RemovedInDjango50Warning, RemovedInDjango51Warning
    # RemovedInDjango5xWarning: 'xxx' is deprecated. Use 'yyy' in 'zzz' instead.
    warnings.filterwarnings("ignore", category=RemovedInDjango50Warning)
    warnings.filterwarnings("ignore", category=RemovedInDjango51Warning)
    # DeprecationWarning: 'imghdr' is deprecated and slated for removal in Python 3.13
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="pgpy.constants")
except ImportError:
    pass # If the warnings don't exist we don't need to filter them.

# Email
EMAIL_USE_SSL = False
# Forward all emails from edX's Automated Communication Engine (ACE) to django.
ACE_ENABLED_CHANNELS = ["django_email"]
ACE_CHANNEL_DEFAULT_EMAIL = "django_email"
ACE_CHANNEL_TRANSACTIONAL_EMAIL = "django_email"
EMAIL_FILE_PATH = "/tmp/openedx/emails"

# Language/locales
LANGUAGE_COOKIE_NAME = "openedx-language-preference"

# Allow the platform to include itself in an iframe
X_FRAME_OPTIONS = "SAMEORIGIN"


# Properly set the "secure" attribute on session/csrf cookies. This is required in
# Chrome to support samesite=none cookies.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_SAMESITE = "None"



JWT_AUTH["JWT_ISSUER"] = "https://lms.example.org/oauth2"
JWT_AUTH["JWT_AUDIENCE"] = "openedx"
JWT_AUTH["JWT_SECRET_KEY"] = "REF7u8FXNRAA7dCjKFMjqBau"
JWT_AUTH["JWT_PRIVATE_SIGNING_JWK"] = json.dumps(
    {
        "kid": "openedx",
        "kty": "RSA",
        "e": "AQAB",
        "d": "RdbhHllxThCTQ6GdyuB2lQA1yJ73mRG3fda9dBanwifWgJIzvSCQwODZXohBk_yE7IWas9CoDfs5TudoP_Ug_bu5hPh1WbwEaYH26-_eNT9qtO1lHbZ1tr78jFSscQOZ-2bScNRyUkhkWkoN_rHRCKWQyl5e7zBj2LJlyxrK85SPE5p5ULZSZuiSPwBU4sHePdecAB87KTBfCSGr7XQpsAYr5vRav0ZMFO9tleoXrjP_UPnWZjbpKUC2xkP42B2vzhTtkOZ2h9Ywo7ObHVAjMSmzawfFovGUc-qwOcOKiG7TsD3uS50d-cPpR1jbPRwG4NAM2vFXVhPlBOlAAFQdBQ",
        "n": "u1-VEzXhFt8PQXukY5rB8pVbzDc7WpOd1vknhgOX0QDkd9XqZMoNkNWl0C0F8IBI3ikQHgzGFBqBxmuBX8PQGDIAsECUwUlNyGL6QC1hQBNzTJrE23ew85qxaJu9oy3dms2a9XCyu8Gr8nbQjJj77EMQ6KWjsralSpVbAh4sJ_jk5tqcoQLAuXAmSP5IBeF1j9yGLJ428y_Jr__4_xPXVN6fOjZKYgf4vFM3kcY-n_CeGgfqsXYPX3vUBxza6H-E8yy1_vkM3pkXW4hf5XtoLfubdSa699ufceXOQQweRsviDuwOuQn03iPCvCSy7ptTRfsD9gTaQKrVBGA8Elulrw",
        "p": "1o7srqPdhjGAlqEMU0WMwqE3f11xZgtVXbaTg5ivp5rMxqmpaRisHWLaJi_XM17BV1SA1HdlrRSCr74C0EFn6UHVpYh_8c-XTNDyAWhQUMoJSgjz52gfamtH34cllarBDpkOufUHL1ul6tqgT8HAxbDRS4tIq27bX3ybTRKVq-0",
        "q": "35B366kMG13HwavJBbuyL4wucnfCT2ZnbX5u_SgOL6bJuonEXpWAL-5bWK9Q78Mz7JNpJuu_vzj0RKyXSBc6UZisSTq99xfoTdinz0qKxg1TRzEW4o-yPIuXQAJuBA8SeEtTNa0iSK8MZvN5IuAl229aFsoRy9eWcmoiX8YC_Is",
        "dq": "OjW7g7i4VkfMwzifVsbQVmEBlvxns5TOSUwqSfAsAWxECjXk01vJzLEbR7QeNs90rZyUPHYVrwx9TYRCv5qMrMI72bVZ0QSAkARhbS_Tgk3l6Rt3Afa4SdtuvlPjoVrrTDcQq2ExFAvABu5OFC6YrNIJevWSPKkdmxzXZmiATpE",
        "dp": "0pLzN3Mbtthem3bz4cYgn-QZ06ah5MS6w36syDrSKmyDDXb2DW9pfG3ILDJHwuL8XflRdzS3VWcL2-9gU4Pdt9AlHpEZAPn8RCfNXBREvwWKmF6xAivuqUMhBwBcosczMmCFU3xn0NLhw91N-PjveRZQUxQf_iCOrOhegwX6XwE",
        "qi": "HAUJZIfc175lM2gVt_LV6Jt7pW-7W1zsQZbsQWno5aap5NaEv41X-nhtCH6E7PEqBH6pA_ID02sI5YOC-rR8qArGQ_75arhGOZin6oIvWEkIVnlvE5u076a2rLHX0c5GAfMMwGUzgLV8aWpKz0hzpPMmJOpDndTwQjEwzxyiCJM",
    }
)
JWT_AUTH["JWT_PUBLIC_SIGNING_JWK_SET"] = json.dumps(
    {
        "keys": [
            {
                "kid": "openedx",
                "kty": "RSA",
                "e": "AQAB",
                "n": "u1-VEzXhFt8PQXukY5rB8pVbzDc7WpOd1vknhgOX0QDkd9XqZMoNkNWl0C0F8IBI3ikQHgzGFBqBxmuBX8PQGDIAsECUwUlNyGL6QC1hQBNzTJrE23ew85qxaJu9oy3dms2a9XCyu8Gr8nbQjJj77EMQ6KWjsralSpVbAh4sJ_jk5tqcoQLAuXAmSP5IBeF1j9yGLJ428y_Jr__4_xPXVN6fOjZKYgf4vFM3kcY-n_CeGgfqsXYPX3vUBxza6H-E8yy1_vkM3pkXW4hf5XtoLfubdSa699ufceXOQQweRsviDuwOuQn03iPCvCSy7ptTRfsD9gTaQKrVBGA8Elulrw",
            }
        ]
    }
)
JWT_AUTH["JWT_ISSUERS"] = [
    {
        "ISSUER": "https://lms.example.org/oauth2",
        "AUDIENCE": "openedx",
        "SECRET_KEY": "REF7u8FXNRAA7dCjKFMjqBau"
    }
]

# Enable/Disable some features globally
ENABLE_DISCUSSION_SERVICE = False
PREVENT_CONCURRENT_LOGINS = False
ENABLE_CORS_HEADERS = True

# CORS
CORS_ALLOW_CREDENTIALS = True
CORS_ORIGIN_ALLOW_ALL = False
CORS_ALLOW_INSECURE = False
# Note: CORS_ALLOW_HEADERS is intentionally not defined here, because it should
# be consistent across deployments, and is therefore set in edx-platform.

# Add your MFE and third-party app domains here
CORS_ORIGIN_WHITELIST = []

# Disable codejail support
# explicitely configuring python is necessary to prevent unsafe calls
import codejail.jail_code
codejail.jail_code.configure("python", "nonexistingpythonbinary", user=None)
# another configuration entry is required to override prod/dev settings
CODE_JAIL = {
    "python_bin": "nonexistingpythonbinary",
    "user": None,
}

OPENEDX_LEARNING = {
    'MEDIA': {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": "/openedx/media-private/openedx-learning",
        }
    }
}

# edx-event-bus-redis settings
EVENT_BUS_PRODUCER = 'edx_event_bus_redis.create_producer'
EVENT_BUS_REDIS_CONNECTION_URL = 'redis://@redis:6379/'
EVENT_BUS_TOPIC_PREFIX = 'dev'
EVENT_BUS_CONSUMER = 'edx_event_bus_redis.RedisEventConsumer'

# Forum configuration
FORUM_SEARCH_BACKEND = "forum.search.meilisearch.MeilisearchBackend"
FEATURES["ENABLE_DISCUSSION_SERVICE"] = True
# Forum mongodb configuration, for existing platforms still running mongodb
FORUM_MONGODB_DATABASE = "cs_comments_service"
FORUM_MONGODB_CLIENT_PARAMETERS = {
    "host": "mongo-0.db.example.org,mongo-1.db.example.org,mongo-2.db.example.org",
    "port": 27017,
    "username": "openedx",
    "password": "example-production-mongodb-password",
    "ssl": True,
}
{}


FORUM_MONGODB_CLIENT_PARAMETERS["authSource"] = "admin"


FORUM_MONGODB_CLIENT_PARAMETERS["replicaSet"] = "rs0"

STORAGES["default"]["BACKEND"] = "storages.backends.s3boto3.S3Boto3Storage"
VIDEO_IMAGE_SETTINGS["STORAGE_KWARGS"]["location"] = VIDEO_IMAGE_SETTINGS["STORAGE_KWARGS"]["location"].lstrip("/")
VIDEO_TRANSCRIPTS_SETTINGS["STORAGE_KWARGS"]["location"] = VIDEO_TRANSCRIPTS_SETTINGS["STORAGE_KWARGS"]["location"].lstrip("/")
GRADES_DOWNLOAD["STORAGE_KWARGS"] = {"location": GRADES_DOWNLOAD["STORAGE_KWARGS"]["location"].lstrip("/")}
GRADES_DOWNLOAD["STORAGE_KWARGS"]["bucket_name"] = "openedxgrades"
OPENEDX_LEARNING["MEDIA"]["BACKEND"] = STORAGES["default"]["BACKEND"]
OPENEDX_LEARNING["MEDIA"]["OPTIONS"] = {
    'bucket_name': "openedxlearning",
}                                    

# Ora2 setting
ORA2_FILEUPLOAD_BACKEND = "s3"
FILE_UPLOAD_STORAGE_BUCKET_NAME = "openedxuploads"

AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_ENDPOINT_URL = "https://files.lms.example.org"
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_EXPIRE = 7 * 24 * 60 * 60  # 1 week: this is necessary to generate valid download urls

from botocore.client import Config as BotoConfig # Importing explicitly just to be safe

AWS_S3_CLIENT_CONFIG = BotoConfig(
    request_checksum_calculation='when_required',
    response_checksum_validation='when_required',
    signature_version='s3v4', # We need to explicitly add this here otherwise BotoConfig overrides it to default
)
######## End of settings common to LMS and CMS

######## Common CMS settings
STUDIO_NAME = "Example University - Studio"

CACHES["staticfiles"] = {
    "KEY_PREFIX": "staticfiles_cms",
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "staticfiles_cms",
}

# Authentication
SOCIAL_AUTH_EDX_OAUTH2_SECRET = "xbVJhORdFUVrtwl0b8E2EWvm"
SOCIAL_AUTH_EDX_OAUTH2_URL_ROOT = "http://lms:8000"
SOCIAL_AUTH_REDIRECT_IS_HTTPS = False  # scheme is correctly included in redirect_uri
SESSION_COOKIE_NAME = "studio_session_id"

MAX_ASSET_UPLOAD_FILE_SIZE_IN_MB = 100

FRONTEND_LOGIN_URL = LMS_ROOT_URL + '/login'
FRONTEND_REGISTER_URL = LMS_ROOT_URL + '/register'

# Enable "reindex" button
ENABLE_COURSEWARE_INDEX = True

# Create folders if necessary
for folder in [LOG_DIR, MEDIA_ROOT, STATIC_ROOT, ORA2_FILEUPLOAD_ROOT]:
    if not os.path.exists(folder):
        os.makedirs(folder, exist_ok=True)

if 'base_vendor' in PIPELINE['JAVASCRIPT']:
    PIPELINE['JAVASCRIPT']['base_vendor']['source_filenames'] += [
        'indigo/js/dark-theme.js'
    ]
COURSE_IMPORT_EXPORT_STORAGE = USER_TASKS_ARTIFACT_STORAGE

######## End of common CMS settings

ALLOWED_HOSTS = [
    ENV_TOKENS.get("CMS_BASE"),
    "cms",
]
CORS_ORIGIN_WHITELIST.append("https://studio.example.org")

# Authentication
SOCIAL_AUTH_EDX_OAUTH2_KEY = "cms-sso"
SOCIAL_AUTH_EDX_OAUTH2_PUBLIC_URL_ROOT = "https://lms.example.org"

# MFE-specific settings

COURSE_AUTHORING_MICROFRONTEND_URL = "https://apps.lms.example.org/authoring"



CATALOG_MICROFRONTEND_URL = "https://apps.lms.example.org/catalog"


LOGIN_REDIRECT_WHITELIST.append("apps.lms.example.org")
CORS_ORIGIN_WHITELIST.append("https://apps.lms.example.org")
CSRF_TRUSTED_ORIGINS.append("https://apps.lms.example.org")