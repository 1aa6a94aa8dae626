# -*- coding: utf-8 -*-
import os
from lms.envs.production import *

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
MEILISEARCH_PUBLIC_URL = "https://meilisearch.lms.initech.example"
MEILISEARCH_INDEX_PREFIX = "tutor_"
MEILISEARCH_API_KEY = "68029599e0a089b3023821920e7cb4cb49bc043a2264abedce2c0b5ccb864066"
MEILISEARCH_MASTER_KEY = "wQUVGeV8AVj2KlABgKf0zqFM"
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
CONTACT_MAILING_ADDRESS = "My Open edX - https://lms.initech.example"
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



JWT_AUTH["JWT_ISSUER"] = "https://lms.initech.example/oauth2"
JWT_AUTH["JWT_AUDIENCE"] = "openedx"
JWT_AUTH["JWT_SECRET_KEY"] = "IqtPtyuptRKjeSMboECB4sia"
JWT_AUTH["JWT_PRIVATE_SIGNING_JWK"] = json.dumps(
    {
        "kid": "openedx",
        "kty": "RSA",
        "e": "AQAB",
        "d": "IzHBqXyshIdhxfYWrFkybbHXmvfW0Z5rdNJZN_6dAlU-fK9x-OjlA6pq6pkuO339jpDWOmcog91PjTylECSIKshbLjITRAn4OpJ045lS37WnjRNDvJTcKpf4wOlW1OqCmZJwb0k2IH7iwx_yzqGKts_H6MQvhPM1afxfzRjDFfjMtWz0ahaZfKkIb2H2RWjq5dOGBPLDVGL67C8G4_cfmUJfgmlxU0leY_mV-IuhEoOSWNCcxX85JbCadBL_fmeeD_PAS89bdN-ImD2I45P7Y8Ec6V56h_sJNsEWawM1KKyYYaQwfgYfJHVPPAKL9CGTySlKVh_OrpRmwjfcrWWR",
        "n": "zLm_g66BAZIgEo1gCM5qppsp2TLay-gbSNRM-TbmIAQoV7zvaQkDh4mzLgNcXaDCCH48Nt2cv2tTsKFU6llCoJBwizxiNyRTqlTdQ5vjpu00PxXNzDTqHkTtmsFH1S_L9tuXjvw1MCGiFIhbVRZVWJUycu9heRk1hNnMFjQpG-9yu0UsFD_HYi3vEfNHvi67JuN1j2JQB4p7_eGI7GeyMOZomQEkae6Un9yHHtAvp1JRvYGOhOYGBHnqwxh4KjXPKv_NWAH80nr1tzoEdL6_56D1wbyyoh-KiB4EtHFfjXTebnFnSv-EOAwTnfxv2q9hJ1_5-tzr6KYHMXgCQmCEiQ",
        "p": "4L35v8HjkGtzWlROJ599rIkPlGtgaj1MZOz5T0Lenox4LIbzxvN3YKzu0I8CPrZurPV8Z0Sv7NNRMw2cV6HbYX59r-Fj0t2f2VvbEpf8NaTFxEd3nmh2C4uZSqtJSVvgxn9c1G5EiMMatdk_1ZO13200zd2HGbA-a0lu7VWihZk",
        "q": "6TMTxWajDhZiileOkX53IfgxhRSCsDZwap6GMNdG4mK4yc4PNbavH-bcn6pHoEYGGV6Tyto6C2CJFbxk-WBeQZFBl5KQS6Sm0OyK4aw57AzLLn-wJ-DbDW6b6zRectOSuiX4svkFfe3ZprOb7OBsfZFno5kpW6dNrNfYuc3fbHE",
        "dq": "jTxOISREZOfRzo-w3RWG-Z_j_gGqFScjdq-D_lijqcC4wiB2vcVi0yNzQ5BRyRQf5YWOZTE-Ll3NKMjtLsvaykM7Qp2VnvqdvbNFeeBhREGLXSIggkaA5OW0sQMKoOja2LreoSaI2PgQ9hGZwiE6E-LYrhC5J7VwKdqgfAff5UE",
        "dp": "sZ_UhWcjiWAzUmAxSQW4GSZWpvJayHzcJSRaQvfR5TOWQ3MBtut0HXdwZGuy1YfwX0jCYwgZly7JDXWjbGtjbWHAysJz2BQLo4oC0mZHEsrA98mYVB2xtpxFsotAJ_ey5o-A-fCQwBqbwMAMwKu24fh49IAyp-3w13C5eGDnS3k",
        "qi": "hm1VY28uIoU4-y17oo0io1Um5XyYHst_SVnCsJmyIEpLUVKM8wh5zjzF9VpvR5OihX8Abt4En3Uqcf4dG0XTt0vZoYYYx2sev18Hp9hKE7iySg-YCpq5QxLWajfN6_hqi_8w_emQULIYBkpU5jcFs5OefKCGmgQ1bkRULVVCWxw",
    }
)
JWT_AUTH["JWT_PUBLIC_SIGNING_JWK_SET"] = json.dumps(
    {
        "keys": [
            {
                "kid": "openedx",
                "kty": "RSA",
                "e": "AQAB",
                "n": "zLm_g66BAZIgEo1gCM5qppsp2TLay-gbSNRM-TbmIAQoV7zvaQkDh4mzLgNcXaDCCH48Nt2cv2tTsKFU6llCoJBwizxiNyRTqlTdQ5vjpu00PxXNzDTqHkTtmsFH1S_L9tuXjvw1MCGiFIhbVRZVWJUycu9heRk1hNnMFjQpG-9yu0UsFD_HYi3vEfNHvi67JuN1j2JQB4p7_eGI7GeyMOZomQEkae6Un9yHHtAvp1JRvYGOhOYGBHnqwxh4KjXPKv_NWAH80nr1tzoEdL6_56D1wbyyoh-KiB4EtHFfjXTebnFnSv-EOAwTnfxv2q9hJ1_5-tzr6KYHMXgCQmCEiQ",
            }
        ]
    }
)
JWT_AUTH["JWT_ISSUERS"] = [
    {
        "ISSUER": "https://lms.initech.example/oauth2",
        "AUDIENCE": "openedx",
        "SECRET_KEY": "IqtPtyuptRKjeSMboECB4sia"
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

######## Common LMS settings
LOGIN_REDIRECT_WHITELIST = ["studio.lms.initech.example"]

# Better layout of honor code/tos links during registration
REGISTRATION_EXTRA_FIELDS["terms_of_service"] = "hidden"
REGISTRATION_EXTRA_FIELDS["honor_code"] = "hidden"

# Fix media files paths
PROFILE_IMAGE_BACKEND["options"]["location"] = os.path.join(
    MEDIA_ROOT, "profile-images/"
)

COURSE_CATALOG_VISIBILITY_PERMISSION = "see_in_catalog"
COURSE_ABOUT_VISIBILITY_PERMISSION = "see_about_page"

# Allow insecure oauth2 for local interaction with local containers
OAUTH_ENFORCE_SECURE = False

# Email settings
DEFAULT_EMAIL_LOGO_URL = LMS_ROOT_URL + "/theming/asset/images/logo.png"
BULK_EMAIL_SEND_USING_EDX_ACE = True
ENABLE_FOOTER_MOBILE_APP_LINKS = False

# Branding
MOBILE_STORE_ACE_URLS = {}
SOCIAL_MEDIA_FOOTER_ACE_URLS = {}

# Make it possible to hide courses by default from the studio
SEARCH_SKIP_SHOW_IN_CATALOG_FILTERING = False

# Caching
CACHES["staticfiles"] = {
    "KEY_PREFIX": "staticfiles_lms",
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "staticfiles_lms",
}

# Enable search features
ENABLE_COURSE_DISCOVERY = True
ENABLE_COURSEWARE_SEARCH = True
ENABLE_DASHBOARD_SEARCH = True

# Create folders if necessary
for folder in [DATA_DIR, LOG_DIR, MEDIA_ROOT, STATIC_ROOT, ORA2_FILEUPLOAD_ROOT]:
    if not os.path.exists(folder):
        os.makedirs(folder, exist_ok=True)

# Prepend the indigo theme templates dir so it overrides app-directories templates
# (e.g. ace_common, common/templates) which are otherwise found first by the app
# directories loader before the comprehensive theme loader gets a chance.
TEMPLATES[0]["DIRS"].insert(0, "/openedx/themes/indigo/lms/templates")
# MFE: enable API and set a low cache timeout for the settings. otherwise, weird
# configuration bugs occur. Also, the view is not costly at all, and it's also cached on
# the frontend. (5 minutes, hardcoded)
ENABLE_MFE_CONFIG_API = True
MFE_CONFIG_API_CACHE_TIMEOUT = 1

# MFE-specific settings

FEATURES['ENABLE_AUTHN_MICROFRONTEND'] = True


ENABLE_CATALOG_MICROFRONTEND = True


FEATURES['ENABLE_NEW_BULK_EMAIL_EXPERIENCE'] = True


######## End of common LMS settings

ALLOWED_HOSTS = [
    ENV_TOKENS.get("LMS_BASE"),
    "lms",
]
CORS_ORIGIN_WHITELIST.append("https://lms.initech.example")

# CMS authentication
IDA_LOGOUT_URI_LIST.append("https://studio.lms.initech.example/logout/")

# Required to display all courses on start page
SEARCH_SKIP_ENROLLMENT_START_DATE_FILTERING = True

# Dynamic config API settings
# https://openedx.github.io/frontend-platform/module-Config.html
MFE_CONFIG = {
    "BASE_URL": "apps.lms.initech.example",
    "CSRF_TOKEN_API_PATH": "/csrf/api/v1/token",
    "CREDENTIALS_BASE_URL": "",
    "DISCOVERY_API_BASE_URL": "",
    "FAVICON_URL": "https://lms.initech.example/favicon.ico",
    "INFO_EMAIL": "contact@lms.initech.example",
    "LANGUAGE_PREFERENCE_COOKIE_NAME": "openedx-language-preference",
    "LMS_BASE_URL": "https://lms.initech.example",
    "LOGIN_URL": "https://lms.initech.example/login",
    "LOGO_URL": "https://lms.initech.example/theming/asset/images/logo.png",
    "LOGO_WHITE_URL": "https://lms.initech.example/theming/asset/images/logo.png",
    "LOGO_TRADEMARK_URL": "https://lms.initech.example/theming/asset/images/logo.png",
    "LOGOUT_URL": "https://lms.initech.example/logout",
    "MARKETING_SITE_BASE_URL": "https://lms.initech.example",
    "PASSWORD_RESET_SUPPORT_LINK": "mailto:contact@lms.initech.example",
    "REFRESH_ACCESS_TOKEN_ENDPOINT": "https://lms.initech.example/login_refresh",
    "SITE_NAME": "My Open edX",
    "STUDIO_BASE_URL": "https://studio.lms.initech.example",
    "USER_INFO_COOKIE_NAME": "user-info",
    "ACCESS_TOKEN_COOKIE_NAME": "edx-jwt-cookie-header-payload",
}

FRONTEND_SITE_CONFIG = {
    "baseUrl": "https://apps.lms.initech.example",
    "cmsBaseUrl": "https://studio.lms.initech.example",
    "lmsBaseUrl": "https://lms.initech.example",
    "loginUrl": "https://lms.initech.example/login",
    "logoutUrl": "https://lms.initech.example/logout",
    "externalRoutes": [
        {"role": "org.openedx.frontend.role.logout", "url": "https://lms.initech.example/logout"},
    ],
    "commonAppConfig": {},
}

# MFE-specific settings


AUTHN_MICROFRONTEND_URL = "https://apps.lms.initech.example/authn"
AUTHN_MICROFRONTEND_DOMAIN  = "apps.lms.initech.example/authn"
MFE_CONFIG["DISABLE_ENTERPRISE_LOGIN"] = True
FRONTEND_SITE_CONFIG["commonAppConfig"]["DISABLE_ENTERPRISE_LOGIN"] = True



ACCOUNT_MICROFRONTEND_URL = "https://apps.lms.initech.example/account/"
MFE_CONFIG["ACCOUNT_SETTINGS_URL"] = ACCOUNT_MICROFRONTEND_URL
FRONTEND_SITE_CONFIG["externalRoutes"].append({"role": "org.openedx.frontend.role.account", "url": "https://apps.lms.initech.example/account/"})



COURSE_AUTHORING_MICROFRONTEND_URL = "https://apps.lms.initech.example/authoring"
MFE_CONFIG["COURSE_AUTHORING_MICROFRONTEND_URL"] = COURSE_AUTHORING_MICROFRONTEND_URL
MFE_CONFIG["ENABLE_ASSETS_PAGE"] = "true"
MFE_CONFIG["ENABLE_HOME_PAGE_COURSE_API_V2"] = "true"
MFE_CONFIG["ENABLE_PROGRESS_GRAPH_SETTINGS"] = "true"
MFE_CONFIG["ENABLE_TAGGING_TAXONOMY_PAGES"] = "true"
MFE_CONFIG["ENABLE_UNIT_PAGE"] = "true"
MFE_CONFIG["MEILISEARCH_ENABLED"] = "true"



DISCUSSIONS_MICROFRONTEND_URL = "https://apps.lms.initech.example/discussions"
MFE_CONFIG["DISCUSSIONS_MFE_BASE_URL"] = DISCUSSIONS_MICROFRONTEND_URL
DISCUSSIONS_MFE_FEEDBACK_URL = None



WRITABLE_GRADEBOOK_URL = "https://apps.lms.initech.example/gradebook"



LEARNER_HOME_MICROFRONTEND_URL = "https://apps.lms.initech.example/learner-dashboard/"



INSTRUCTOR_MICROFRONTEND_URL = "https://apps.lms.initech.example/instructor-dashboard"



LEARNING_MICROFRONTEND_URL = "https://apps.lms.initech.example/learning"
MFE_CONFIG["LEARNING_BASE_URL"] = "https://apps.lms.initech.example/learning"



ORA_GRADING_MICROFRONTEND_URL = "https://apps.lms.initech.example/ora-grading"



PROFILE_MICROFRONTEND_URL = "https://apps.lms.initech.example/profile/u/"
MFE_CONFIG["ACCOUNT_PROFILE_URL"] = "https://apps.lms.initech.example/profile"
FRONTEND_SITE_CONFIG["externalRoutes"].append({"role": "org.openedx.frontend.role.profile", "url": "https://apps.lms.initech.example/profile/"})



COMMUNICATIONS_MICROFRONTEND_URL = "https://apps.lms.initech.example/communications"
MFE_CONFIG["SCHEDULE_EMAIL_SECTION"] = True



ADMIN_CONSOLE_MICROFRONTEND_URL = "https://apps.lms.initech.example/admin-console"
MFE_CONFIG["ADMIN_CONSOLE_URL"] = ADMIN_CONSOLE_MICROFRONTEND_URL



CATALOG_MICROFRONTEND_URL = "https://apps.lms.initech.example/catalog"



NOTIFICATIONS_DEFAULT_FROM_EMAIL = ENV_TOKENS.get("NOTIFICATIONS_DEFAULT_FROM_EMAIL", ENV_TOKENS["CONTACT_EMAIL"])


LOGIN_REDIRECT_WHITELIST.append("apps.lms.initech.example")
CORS_ORIGIN_WHITELIST.append("https://apps.lms.initech.example")
CSRF_TRUSTED_ORIGINS.append("https://apps.lms.initech.example")

MFE_CONFIG['INDIGO_ENABLE_DARK_TOGGLE'] = True
MFE_CONFIG['INDIGO_FOOTER_NAV_LINKS'] = [{'title': 'About Us', 'url': '/about'}, {'title': 'Blog', 'url': '/blog'}, {'title': 'Donate', 'url': '/donate'}, {'title': 'Terms of Service', 'url': '/tos'}, {'title': 'Privacy Policy', 'url': '/privacy'}, {'title': 'Help', 'url': '/help'}, {'title': 'Contact Us', 'url': '/contact'}]

MFE_CONFIG["PARAGON_THEME_URLS"] = {'variants': {'light': {'urls': {'default': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/light.min.css', 'brandOverride': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/light.min.css'}}, 'dark': {'urls': {'default': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/dark.min.css', 'brandOverride': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/dark.min.css'}}}}
FRONTEND_SITE_CONFIG.setdefault("commonAppConfig", {})
FRONTEND_SITE_CONFIG["theme"] = {"core": {"url": "https://cdn.jsdelivr.net/gh/edly-io/brand-openedx@refs/heads/verawood/indigo/dist/core.min.css"}, "defaults": {"light": "light", "dark": "dark"}, "variants": {"light": {"url": "https://cdn.jsdelivr.net/gh/edly-io/brand-openedx@refs/heads/verawood/indigo/dist/light.min.css"}, "dark": {"url": "https://cdn.jsdelivr.net/gh/edly-io/brand-openedx@refs/heads/verawood/indigo/dist/dark.min.css"}}}
FRONTEND_SITE_CONFIG["commonAppConfig"]["PARAGON_THEME_URLS"] = {'variants': {'light': {'urls': {'default': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/light.min.css', 'brandOverride': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/light.min.css'}}, 'dark': {'urls': {'default': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/dark.min.css', 'brandOverride': 'https://raw.githubusercontent.com/edly-io/brand-openedx/refs/heads/verawood/indigo/dist/dark.min.css'}}}}
FRONTEND_SITE_CONFIG["commonAppConfig"][
    "INDIGO_ENABLE_DARK_TOGGLE"
] = True
FRONTEND_SITE_CONFIG["commonAppConfig"][
    "INDIGO_FOOTER_NAV_LINKS"
] = [{'title': 'About Us', 'url': '/about'}, {'title': 'Blog', 'url': '/blog'}, {'title': 'Donate', 'url': '/donate'}, {'title': 'Terms of Service', 'url': '/tos'}, {'title': 'Privacy Policy', 'url': '/privacy'}, {'title': 'Help', 'url': '/help'}, {'title': 'Contact Us', 'url': '/contact'}]
