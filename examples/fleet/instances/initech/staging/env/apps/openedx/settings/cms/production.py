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
    "host": "mongodb",
    "port": 27017,
    "user": None,
    "password": None,
    # Connection/Authentication
    "connect": False,
    "ssl": False,
    "authsource": "admin",
    "replicaSet": None,
    
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
MEILISEARCH_URL = "http://meilisearch:7700"
MEILISEARCH_PUBLIC_URL = "https://meilisearch.staging.initech.example"
MEILISEARCH_INDEX_PREFIX = "tutor_"
MEILISEARCH_API_KEY = "39245021b238f0e9868fcd772608a75c8dee1f5c974817a3ff8eebb724e94e07"
MEILISEARCH_MASTER_KEY = "PMbd9lAMG7JCmIdEjQO90OAU"
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
CONTACT_MAILING_ADDRESS = "My Open edX - https://staging.initech.example"
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



JWT_AUTH["JWT_ISSUER"] = "https://staging.initech.example/oauth2"
JWT_AUTH["JWT_AUDIENCE"] = "openedx"
JWT_AUTH["JWT_SECRET_KEY"] = "NkNH4796DMG7Rqr8SZvRsV0i"
JWT_AUTH["JWT_PRIVATE_SIGNING_JWK"] = json.dumps(
    {
        "kid": "openedx",
        "kty": "RSA",
        "e": "AQAB",
        "d": "Gp9f0uqGl5Uh0BSfi-hgqJKecNQ93HUTE4PQOg_HZUhAJjEZe9tT8xwODw6bfmfbWOml-DsSemhknKrfuK2oTXHCbrQ1btPI9EXVWuHgc8JtvfqW1jC7nvI9VaCae_PslvtcPmnqtstTJ_1olTq6DUOLgUtOepAPz9KIFkw_57NgmrAmFR47ZeVYKHNM8Tpv8m4sFKdmqV9G9n6muVtt9NuHF4lTbCNP8lcvynBES5kboPulDBSjxJBsU6xhYIavz9tJ9Oej2XhmZGyy8tU5Nbqdid-mRt_8WbEYBL1S-dUwATenroUDcS0DaGHgKCwQ3k-AEpb6F0R06rVtQXsSxQ",
        "n": "4uHcPvNW2YlCXoXST79ZUamJgVALeYriSWkGSwXpuG1p-uG5RRuYjTDm6L9XxIBmSk0uy43dFZ35kOs2c66EscRJOshOWmBjKNgrCJc-iGpajJ0hWqNMvNtAoG4UiSpVko3olxJw4qgkdlQveDOCAstBrg7IslZl6rH49Y2GZIc1KsDqmtCGZBTNvun9psHCkta2jC-dxGyTbrbz-L6syZGuce29GUJ849TSLVkuscg2r5SgwNF9T6pBL5xc48GP50Xqz42uXmVARUtW-U3db9YiiB15JQaqWQlN5NOnbLauzk2tE1a5AFNdoJfA48zYpFskVlHVcwLYshnShBsJow",
        "p": "5WU2zZYzBouSEq1h2eCoy1nXnSzA_zKEHKmgj5NcmYeVmp0rI5ixxJ4ze6DYsl3RVxf3NZw_vAFb6-enDl1kttjvEEDyYynQUsaC8IcHFUKBsvRYcKhqA390WschJWXAxHtz076E2RxI08Dwk5ns_5j_yWm0qzH2tonpCmrm0XU",
        "q": "_TIIKk17AtzMAnyAr7-o-YvTyhbOf6baxsWFoGN4KzpBrQgd_E5S8XaiFSz3IFlEH-u0oZi53NROOc2aKLeHX-_nayi_1NSlFrO8yVTChEeW-7hIHwuDlT6-hV3pd4TqjAHY6ic6rnpIXAhBqmB_hiQ9SaqVQLow5TF7xFK9M7c",
        "dq": "QmpoV-hhFxwh65kLDI7i3Sq_kGgxHK0BAFj5t1vAPt6WMbRKYU-OVEaBN7rGzFZ-Fz118Vmlj3alWmZDROD3gsPkWWikAUkSUQUuxUUVjStWQItTZ8lWZ8TApy0-O5rDB5zIcIt_yhrLdlC4IOAVM3O4G-XCJutwPf6f75yggrs",
        "dp": "3FuVAHp3O6NZR53MMIrSOr1sFO0H3F2_cPU1apZpToZjHOo7pW8p3TEHTYwefYEH9nzsGVCmHMjFb2DRJkhq1gaf52IsNTvWhZ1x7PIYyMBhbPGx_06YwBFwST-eRJlxSo04n8AVR6YXA2sE7xTfCE0F8YocZpORZpomBb7ZSX0",
        "qi": "eQ2XAmF2ShhrIVo0ydZEhjrXMbpIXXwIXO1oXJpI-FF67jBwN6TcsfjEIunTLhcPwxQ9E8K69mG9LnS7xA0pMldFaH0UvFnCqLI03oDh50zXjQCz4wsa_iDDrhFG4FEAvppFPI3fFM1sKQDQVU5rdNpxaVV5zF3wbbR8QcfY7DM",
    }
)
JWT_AUTH["JWT_PUBLIC_SIGNING_JWK_SET"] = json.dumps(
    {
        "keys": [
            {
                "kid": "openedx",
                "kty": "RSA",
                "e": "AQAB",
                "n": "4uHcPvNW2YlCXoXST79ZUamJgVALeYriSWkGSwXpuG1p-uG5RRuYjTDm6L9XxIBmSk0uy43dFZ35kOs2c66EscRJOshOWmBjKNgrCJc-iGpajJ0hWqNMvNtAoG4UiSpVko3olxJw4qgkdlQveDOCAstBrg7IslZl6rH49Y2GZIc1KsDqmtCGZBTNvun9psHCkta2jC-dxGyTbrbz-L6syZGuce29GUJ849TSLVkuscg2r5SgwNF9T6pBL5xc48GP50Xqz42uXmVARUtW-U3db9YiiB15JQaqWQlN5NOnbLauzk2tE1a5AFNdoJfA48zYpFskVlHVcwLYshnShBsJow",
            }
        ]
    }
)
JWT_AUTH["JWT_ISSUERS"] = [
    {
        "ISSUER": "https://staging.initech.example/oauth2",
        "AUDIENCE": "openedx",
        "SECRET_KEY": "NkNH4796DMG7Rqr8SZvRsV0i"
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
    "host": "mongodb",
    "port": 27017,
    
    
    "ssl": False,
}
{}


FORUM_MONGODB_CLIENT_PARAMETERS["authSource"] = "admin"


######## End of settings common to LMS and CMS

######## Common CMS settings
STUDIO_NAME = "My Open edX - Studio"

CACHES["staticfiles"] = {
    "KEY_PREFIX": "staticfiles_cms",
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "staticfiles_cms",
}

# Authentication
SOCIAL_AUTH_EDX_OAUTH2_SECRET = "nO7dErT4baECHHPAKvi7RJ2j"
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

######## End of common CMS settings

ALLOWED_HOSTS = [
    ENV_TOKENS.get("CMS_BASE"),
    "cms",
]
CORS_ORIGIN_WHITELIST.append("https://studio.staging.initech.example")

# Authentication
SOCIAL_AUTH_EDX_OAUTH2_KEY = "cms-sso"
SOCIAL_AUTH_EDX_OAUTH2_PUBLIC_URL_ROOT = "https://staging.initech.example"

# MFE-specific settings

COURSE_AUTHORING_MICROFRONTEND_URL = "https://apps.staging.initech.example/authoring"



CATALOG_MICROFRONTEND_URL = "https://apps.staging.initech.example/catalog"


LOGIN_REDIRECT_WHITELIST.append("apps.staging.initech.example")
CORS_ORIGIN_WHITELIST.append("https://apps.staging.initech.example")
CSRF_TRUSTED_ORIGINS.append("https://apps.staging.initech.example")