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
MEILISEARCH_PUBLIC_URL = "http://meilisearch.staging.contoso.example"
MEILISEARCH_INDEX_PREFIX = "tutor_"
MEILISEARCH_API_KEY = "30a6f17c4916c8dd257f8c6dec8eb8e407b3e3563f8d885c8ec4f7fb7c6d9235"
MEILISEARCH_MASTER_KEY = "C677xEftULJV2buwrf3MDA9J"
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
CONTACT_MAILING_ADDRESS = "My Open edX - http://staging.contoso.example"
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


# When we cannot provide secure session/csrf cookies, we must disable samesite=none
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_SAMESITE = "Lax"



JWT_AUTH["JWT_ISSUER"] = "http://staging.contoso.example/oauth2"
JWT_AUTH["JWT_AUDIENCE"] = "openedx"
JWT_AUTH["JWT_SECRET_KEY"] = "tMcjINfk9vgfPaXfFakIUKnG"
JWT_AUTH["JWT_PRIVATE_SIGNING_JWK"] = json.dumps(
    {
        "kid": "openedx",
        "kty": "RSA",
        "e": "AQAB",
        "d": "X3uwIsd76hXhA5pKelLkEjTGYncwmgjDh5cznRLasUybWenev78hIRAjDE0OI5lv0vjYwZhoF7DS4kpVLQobmvfz_sfzyzlRu7KRe9oyCbWn01uUcbntOhOubCvA0ZPPckjTMi0NOMscCm0E_44Vh67n-QTKMsSelCq0VHikhBI4f-jIVFrzKy7FMN8Ua7gONDjXNwSn5_QG7OssrhmJoWOM6RG-XZHuIIffvIFdy40bZ9d7MO1ZGElD43k0_T81q9oYRFiAUGu5uapmpDGW_TyEtknvz-JADCEEx9SiArQSXhkvU4qDxCwuB5WbGCGuccJW7o0lEp_G9GI5_ioN",
        "n": "ro1vctPIdQ2dL1sMB5ehYY6o1yrihbfTnD6lvkVWZ-sISlr24CbezBx4SwxaPT3fBnFNDjzDvGYUCMlX04qJuLRP8m-ylalNnVCid5fqtM4m8ixVaqhwRTEep32LRAguTsfBdVmJMx0U3DTXyM1Q8Sk5zIk7zxl4g17xypqh-LvGJZOtXqJkcNGliCe2IY1NTgxkg6zPj5SqBg0RkQ9yiRvfIiZhBSXpv7mkoZkjO8doungTjo-K-tzRGFNDLxuH-3880JZTsNN28jEJcUGvunN2yuLvKrnJ72ni6uDiwIH6NlzJw6PjALckHTVcbD0Weq74CeyT4BqbPbv_DKsTQw",
        "p": "zwsEd53acIWnDk9ulfvrjq05Tv1mF7B9jzk_G8OffBLfydLZgn8lRm23wkGBA9GXR2CHrscNMv_NcU9yI0q_3p7orDrJ1zO2wepwshuE6SS-d5smXdcFbt78s-wxPtohmxGk_Lg5UQVMCQd_iX4HlVdGbNN1OMCcjl7RvGFoOtc",
        "q": "19Oo632X-4nlTlRymgXwLyAANkOHSdVmHXuOAYEkMSwNEQlDYIF94fVE410UoVyOzmTKSAhcufP-nWicL7WvmZ79OUDU_udIXiQTE6CV5LHeHU2ejeiHLEsBRuzSUiNahqsxIY39zzkW-PdYakNpu7VpOFG8MLW_Apojg3CKaXU",
        "dq": "Ff31WnmjwPfeK8sjGlq8jLDAFMdww69BBoQOhky4eWI5uqCtAupu_1VUva5AaejajGFs00Y23KPmL_f24k2rJQY0W18l1QuQLjeS0g8s9u7A6U99doxZKcRCzw1WqRP9J3fOO9MSJ8lzc88QbVONNJlZrWl2uafrXMKEF-Kh1_k",
        "dp": "Zr4m510UK0aH0hgk3pT3HgRkLgidgx_4Dvzvjk2TdTTAjRzvB00lKEAGMoXjCgwWMDt82YS5zhcW0iYEk_LiKA1flShPRVXKWYyHhDsXx8KOKjh535N2hMBvUrHg9jm094jYAPlCqCwiwVBRP9-kz71Rm2uL_i_HAPeYyQzldl0",
        "qi": "EE56IWxPIC3YsWeG9K3_SCg7KGXskmg8Jh2isfmABRjXJbrTRnW-lqXcg9bEsU2soP4AJniM4f9s8iNtwwIKTlRoPK-_euKf1DoPdM-_8VpJ66Ft1BSYdWtuHYFStN7-6T-4OHkeDqs-oWw7Q8fK3Qmc5mz9AEDBN1qBYFVYHPo",
    }
)
JWT_AUTH["JWT_PUBLIC_SIGNING_JWK_SET"] = json.dumps(
    {
        "keys": [
            {
                "kid": "openedx",
                "kty": "RSA",
                "e": "AQAB",
                "n": "ro1vctPIdQ2dL1sMB5ehYY6o1yrihbfTnD6lvkVWZ-sISlr24CbezBx4SwxaPT3fBnFNDjzDvGYUCMlX04qJuLRP8m-ylalNnVCid5fqtM4m8ixVaqhwRTEep32LRAguTsfBdVmJMx0U3DTXyM1Q8Sk5zIk7zxl4g17xypqh-LvGJZOtXqJkcNGliCe2IY1NTgxkg6zPj5SqBg0RkQ9yiRvfIiZhBSXpv7mkoZkjO8doungTjo-K-tzRGFNDLxuH-3880JZTsNN28jEJcUGvunN2yuLvKrnJ72ni6uDiwIH6NlzJw6PjALckHTVcbD0Weq74CeyT4BqbPbv_DKsTQw",
            }
        ]
    }
)
JWT_AUTH["JWT_ISSUERS"] = [
    {
        "ISSUER": "http://staging.contoso.example/oauth2",
        "AUDIENCE": "openedx",
        "SECRET_KEY": "tMcjINfk9vgfPaXfFakIUKnG"
    }
]

# Enable/Disable some features globally
ENABLE_DISCUSSION_SERVICE = False
PREVENT_CONCURRENT_LOGINS = False
ENABLE_CORS_HEADERS = True

# CORS
CORS_ALLOW_CREDENTIALS = True
CORS_ORIGIN_ALLOW_ALL = False
CORS_ALLOW_INSECURE = True
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


######## End of settings common to LMS and CMS

######## Common CMS settings
STUDIO_NAME = "My Open edX - Studio"

CACHES["staticfiles"] = {
    "KEY_PREFIX": "staticfiles_cms",
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "staticfiles_cms",
}

# Authentication
SOCIAL_AUTH_EDX_OAUTH2_SECRET = "mU1Sh3Ad2sp6RPH3E8Rs3Nhn"
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
CORS_ORIGIN_WHITELIST.append("http://studio.staging.contoso.example")

# Authentication
SOCIAL_AUTH_EDX_OAUTH2_KEY = "cms-sso"
SOCIAL_AUTH_EDX_OAUTH2_PUBLIC_URL_ROOT = "http://staging.contoso.example"

# MFE-specific settings

COURSE_AUTHORING_MICROFRONTEND_URL = "http://apps.staging.contoso.example/authoring"



CATALOG_MICROFRONTEND_URL = "http://apps.staging.contoso.example/catalog"


LOGIN_REDIRECT_WHITELIST.append("apps.staging.contoso.example")
CORS_ORIGIN_WHITELIST.append("http://apps.staging.contoso.example")
CSRF_TRUSTED_ORIGINS.append("http://apps.staging.contoso.example")