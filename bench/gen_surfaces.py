#!/usr/bin/env python3
"""Writes synthetic staging/production snapshot pairs (envparity.snapshot/1) for the
benchmarks in bench/compare.sh.

Four shapes, each deterministic (seeded), standard library only:

  realistic  an Open edX-like pair of about 2 MB each: release, plugins, a few hundred
             SSO providers, datastores, services, security, FEATURES, waffle flags and
             switches, config.yml and rendered lms/cms settings, health. Staging differs
             from production in the handful of ways docs/surface.md and examples/README.md
             describe (missing plugins and providers, bundled MongoDB, fewer replicas,
             HTTPS off, a shared SMTP host and password, a newer candidate image), and its
             hosts differ everywhere, so host-token substitution has real work to do.
  keyed      one keyed collection (/features/waffle_flags) of N entries; production has
             one more entry, which sorts first (an insertion at the head). Exactly one
             finding is the right answer.
  leaves     a surface of N leaves (settings groups of 1 000 keys each, mixed types, URLs
             that carry the LMS host), with 15 differences.
  empty      two snapshots with nothing collected: what a diff costs before any input.

Usage:
  gen_surfaces.py realistic OUT_DIR
  gen_surfaces.py keyed     OUT_DIR --entries 100000
  gen_surfaces.py leaves    OUT_DIR --leaves 1000000
  gen_surfaces.py empty     OUT_DIR

Each writes OUT_DIR/staging.json and OUT_DIR/production.json, pretty-printed with two
spaces as `envparity snapshot` writes them, and prints one line describing the pair.
"""

import argparse
import hashlib
import json
import os
import random
import sys

FORMAT = "envparity.snapshot/1"
KEY_ID = "3f1c0a7be2d94c55"


def fingerprint(seed: str) -> dict:
    """A secret marker as `envparity snapshot` writes it (the value itself is never here)."""
    return {"secret": "hmac-sha256:" + hashlib.sha256(seed.encode()).hexdigest()[:24]}


def snapshot(environment: str, surface: dict) -> dict:
    covers = sorted("/" + k for k in surface)
    return {
        "format": FORMAT,
        "environment": environment,
        "collected_at": "2026-11-26T12:00:00Z",
        "tool": "envparity 0.1.0",
        "fingerprint": {"algorithm": "hmac-sha256", "key_id": KEY_ID},
        "sources": {
            "tutor": {
                "kind": "tutor",
                "status": "ok",
                "origin": f"deploy/{environment}",
                "error": None,
                "covers": covers,
            }
        },
        "surface": surface,
    }


def write_pair(out_dir: str, staging: dict, production: dict) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for name, doc in (("staging", staging), ("production", production)):
        with open(os.path.join(out_dir, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")


# --- realistic -------------------------------------------------------------------------

WORDS = (
    "course discussion grading certificate enrollment learner instructor proctoring "
    "notification video transcript xblock studio library badge credit program pathway "
    "cohort team forum wiki survey schedule deadline exam outline sequence unit problem "
    "bookmark calendar email messaging payment commerce catalog search analytics "
    "completion progress dashboard profile account verification identity mobile api "
    "theme branding language timezone accessibility"
).split()

UNIVERSITIES = (
    "harvard mit stanford berkeley oxford cambridge eth-zurich epfl tu-delft kth uppsala "
    "helsinki copenhagen edinburgh manchester leeds bristol warwick toronto mcgill ubc "
    "sydney melbourne anu auckland tokyo kyoto seoul nus hku tsinghua peking iit-bombay "
    "iit-delhi sorbonne polytechnique lmu heidelberg tum charite leuven ghent amsterdam "
    "utrecht leiden groningen vienna prague warsaw krakow budapest lisbon porto madrid "
    "barcelona bologna milan padua rome athens istanbul cairo nairobi capetown lagos "
    "accra sao-paulo unicamp buenos-aires santiago bogota lima mexico-unam monterrey"
).split()

PLUGINS = [
    "mfe", "indigo", "forum", "notes", "discovery", "credentials", "minio", "android",
    "xqueue", "codejail", "jupyter", "cairn", "aspects", "s3", "pod-autoscaling",
    "k8s-harmony", "webui", "lti-store", "grading-plus", "meilisearch-extra",
]

SERVICES = [
    "lms", "cms", "lms-worker", "cms-worker", "mfe", "caddy", "meilisearch", "redis",
    "smtp", "forum", "notes", "discovery", "credentials", "minio", "xqueue",
    "xqueue-consumer", "codejail", "jupyterhub", "cairn-clickhouse", "cairn-superset",
    "aspects-ralph", "aspects-vector", "lti-store", "webui", "android-builder",
]


def ident(rng: random.Random, parts: int) -> str:
    return "_".join(rng.choice(WORDS) for _ in range(parts))


def realistic_surface(env: str, scale: float = 1) -> dict:
    """One environment of the realistic pair. The same seed on both sides keeps every
    generated name identical; `env` decides the handful of real differences. `scale`
    multiplies the large collections (flags, switches, settings, config keys, rendered
    settings): 2.6 makes a pair of about 10 MB together."""
    rng = random.Random(20261126)
    staging = env == "staging"
    lms = "lms.staging.example.org" if staging else "lms.example.org"
    cms = "studio.staging.example.org" if staging else "studio.example.org"
    mfe = "apps.lms.staging.example.org" if staging else "apps.lms.example.org"

    def url(host: str, path: str) -> str:
        return f"https://{host}/{path}"

    release = {
        "tutor_version": "22.0.3",
        "openedx_release": "verawood",
        "openedx_version": "release/verawood.1",
        "edx_platform": {
            "repository": "https://github.com/openedx/edx-platform.git",
            "version": "release/verawood.1",
        },
        "images": {
            # Staging runs the candidate image under test: newer, so `extra`.
            "openedx": "overhangio/openedx:22.0.4" if staging else "overhangio/openedx:22.0.3",
            "mfe": "overhangio/openedx-mfe:22.0.3",
            "mongodb": "docker.io/mongo:7.0.14",
            "mysql": "docker.io/mysql:8.4.3",
            "redis": "docker.io/redis:7.4.1",
            "meilisearch": "docker.io/getmeili/meilisearch:v1.8.4",
            "caddy": "docker.io/caddy:2.7.4",
        },
    }

    plugins = {}
    for name in PLUGINS:
        # Draw before skipping, so that both sides consume the same random sequence.
        version = "22.0.%d" % rng.randint(0, 3)
        if staging and name in ("forum", "pod-autoscaling"):
            continue
        plugins[name] = {"enabled": True, "version": version}

    providers = {}
    n = 0
    for uni in UNIVERSITIES:
        for campus in ("", "-alumni", "-staff", "-online", "-extension", "-medical"):
            slug = uni + campus
            pid = f"saml-{slug}"
            providers[pid] = {
                "name": slug.replace("-", " ").title() + " SSO",
                "kind": "saml",
                "primary": n % 17 == 0,
                "skip_hinted_login": n % 5 == 0,
                "skip_registration_form": n % 3 == 0,
                "hidden": n % 11 == 0,
            }
            n += 1
    for backend in ("google-oauth2", "azuread-oauth2", "apple-id", "github", "linkedin-oauth2",
                    "facebook", "keycloak", "okta-openidconnect"):
        providers[f"oa2-{backend}"] = {
            "name": backend.split("-")[0].title(),
            "kind": "oauth2",
            "primary": backend in ("google-oauth2", "azuread-oauth2"),
            "skip_hinted_login": False,
            "skip_registration_form": False,
        }
    for i in range(24):
        providers[f"lti-consumer-{i:03d}"] = {
            "name": f"LTI consumer {i}",
            "kind": "lti",
            "primary": False,
            "skip_hinted_login": True,
            "skip_registration_form": True,
        }
    if staging:
        for pid in ("saml-oxford-alumni", "saml-tokyo", "oa2-keycloak"):
            del providers[pid]
    sso = {"third_party_auth": True, "saml_configured": True, "providers": providers}

    mongo_hosts = (
        {"mongodb": {}}
        if staging
        else {f"mongo-{i}.db.example.org": {} for i in range(3)}
    )
    datastores = {
        "mysql": {
            "bundled": False,
            "host": "mysql.staging.db.example.org" if staging else "mysql.db.example.org",
            "port": 3306,
            "replicated": True,
            "replicas": 2,
            "tls": True,
            "version": "8.4.3",
        },
        "mongodb": {
            "bundled": staging,
            "hosts": mongo_hosts,
            "replicated": not staging,
            "members": 1 if staging else 3,
            "replica_set": None if staging else "rs0",
            "tls": not staging,
            "version": "7.0.14",
        },
        "redis": {
            "bundled": False,
            "host": "redis.staging.cache.example.org" if staging else "redis.cache.example.org",
            "replicated": True,
            "replicas": 1,
            "tls": True,
            "version": "7.4.1",
        },
        "meilisearch": {"bundled": True, "version": "1.8.4"},
        # The classic shared resource: staging mails through production's relay.
        "smtp": {"bundled": False, "host": "smtp.example.org", "port": 587, "tls": True},
        "s3": {
            "bundled": False,
            "host": "s3.staging.example.org" if staging else "s3.example.org",
            "tls": True,
        },
    }

    services = {}
    for name in SERVICES:
        svc = {"replicas": rng.choice([1, 1, 2, 3])}
        if name in ("lms", "cms", "lms-worker", "cms-worker"):
            svc["replicas"] = 3
            svc["hpa"] = {"min_replicas": 3, "max_replicas": 8 + rng.randint(0, 4)}
        if name in ("lms", "cms"):
            svc["uwsgi_workers"] = 4
        services[name] = svc
    if staging:
        services["lms"] = {"replicas": 1, "uwsgi_workers": 2}

    security = {
        "https": not staging,
        "session_cookie_secure": not staging,
        "csrf_cookie_secure": not staging,
        "smtp_tls": True,
        "mongodb_tls": not staging,
        "mysql_tls": True,
        "redis_tls": True,
        "s3_server_side_encryption": True,
        "hsts": not staging,
    }

    def flags(count: int, parts: int) -> list:
        names = set()
        while len(names) < count:
            names.add(ident(rng, parts).upper())
        return sorted(names)

    lms_features = {f"ENABLE_{n}": rng.random() < 0.6 for n in flags(int(260 * scale), 2)}
    cms_features = {f"ENABLE_{n}": rng.random() < 0.6 for n in flags(int(160 * scale), 2)}
    waffle_flags = {}
    for i in range(int(5800 * scale)):
        name = f"{rng.choice(WORDS)}.{ident(rng, 3)}_{i}"
        waffle_flags[name] = {"status": rng.choice(["on", "off", "both", "on"])}
    flag_names = sorted(waffle_flags)
    if staging:
        for name in flag_names[100:102]:
            waffle_flags[name] = {"status": "off"}
    waffle_switches = {f"{rng.choice(WORDS)}.{ident(rng, 2)}_{i}": rng.random() < 0.5
                       for i in range(int(420 * scale))}
    django_settings = {f"FEATURES['ENABLE_{ident(rng, 2).upper()}_{i}']": rng.random() < 0.5
                       for i in range(int(220 * scale))}
    features = {
        "lms": lms_features,
        "cms": cms_features,
        "waffle_flags": waffle_flags,
        "waffle_switches": waffle_switches,
        "django_settings": django_settings,
    }

    config = {
        "LMS_HOST": lms,
        "CMS_HOST": cms,
        "PREVIEW_LMS_HOST": "preview." + lms,
        "MFE_HOST": mfe,
        "PLATFORM_NAME": "Example University",
        "CONTACT_EMAIL": "contact@" + lms,
        "ENABLE_HTTPS": not staging,
        "ID": fingerprint("id-" + env),
        "MYSQL_HOST": datastores["mysql"]["host"],
        "MYSQL_PORT": 3306,
        "MONGODB_HOST": "mongodb" if staging else ",".join(mongo_hosts),
        "MONGODB_REPLICA_SET": "" if staging else "rs0",
        "MONGODB_USE_SSL": not staging,
        "REDIS_HOST": datastores["redis"]["host"],
        "SMTP_HOST": "smtp.example.org",
        "SMTP_PORT": 587,
        "SMTP_USE_TLS": True,
        "SMTP_USERNAME": "openedx-mailer",
        "SMTP_PASSWORD": fingerprint("smtp-shared"),
        "RUN_MONGODB": staging,
        "RUN_MYSQL": False,
        "RUN_REDIS": False,
        "RUN_SMTP": False,
        "OPENEDX_LMS_UWSGI_WORKERS": 2 if staging else 4,
        "OPENEDX_CMS_UWSGI_WORKERS": 4,
        "DOCKER_IMAGE_OPENEDX": release["images"]["openedx"],
    }
    for i in range(int(340 * scale)):
        key = f"{rng.choice(PLUGINS).upper().replace('-', '_')}_{ident(rng, 2).upper()}_{i}"
        kind = i % 7
        if kind == 0:
            config[key + "_PASSWORD"] = fingerprint(f"{env}-{key}")
        elif kind == 1:
            config[key] = url(lms, f"{rng.choice(WORDS)}/{i}")
        elif kind == 2:
            config[key] = rng.random() < 0.5
        elif kind == 3:
            config[key] = rng.randint(1, 10000)
        else:
            config[key] = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"

    def rendered(host: str, other: str, count: int) -> dict:
        out = {
            "SITE_NAME": host,
            "LMS_ROOT_URL": url(lms, ""),
            "CMS_ROOT_URL": url(cms, ""),
            "OAUTH_OIDC_ISSUER": url(lms, "oauth2"),
            "HTTPS": "off" if staging else "on",
            "SESSION_COOKIE_SECURE": not staging,
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_USE_TLS": True,
            "SECRET_KEY": fingerprint(f"{env}-{host}-secret"),
            "DATABASES": {
                "default": {
                    "ENGINE": "django.db.backends.mysql",
                    "HOST": datastores["mysql"]["host"],
                    "PORT": 3306,
                    "NAME": "openedx",
                    "USER": "openedx",
                    "PASSWORD": fingerprint(f"{env}-mysql"),
                    "ATOMIC_REQUESTS": True,
                    "OPTIONS": {"init_command": "SET sql_mode='STRICT_TRANS_TABLES'"},
                }
            },
            "CACHES": {
                name: {
                    "BACKEND": "django_redis.cache.RedisCache",
                    "LOCATION": f"redis://@{datastores['redis']['host']}:6379/{i}",
                    "KEY_PREFIX": name,
                    "TIMEOUT": 300 * (i + 1),
                }
                for i, name in enumerate(["default", "general", "mongo_metadata_inheritance",
                                          "course_structure_cache", "staticfiles",
                                          "configuration", "celery"])
            },
        }
        for i in range(count):
            key = f"{ident(rng, 3).upper()}_{i}"
            kind = i % 9
            if kind == 0:
                out[key] = {
                    "url": url(rng.choice([lms, cms, mfe]), f"api/{rng.choice(WORDS)}/v1/"),
                    "timeout": rng.randint(1, 60),
                    "enabled": rng.random() < 0.7,
                    "queues": [f"edx.{rng.choice(WORDS)}.core.{q}" for q in
                               ("default", "high", "low")],
                }
            elif kind == 1:
                out[key] = url(other, f"{rng.choice(WORDS)}/{rng.choice(WORDS)}")
            elif kind == 2:
                out[key] = rng.random() < 0.5
            elif kind == 3:
                out[key] = rng.randint(0, 100000)
            elif kind == 4:
                out[key] = [rng.choice(WORDS) for _ in range(rng.randint(1, 6))]
            elif kind == 5:
                out[key] = None
            else:
                out[key] = f"{rng.choice(WORDS)}.{rng.choice(WORDS)}.{rng.choice(WORDS)}"
        return out

    settings = dict(config)
    settings["lms"] = rendered(lms, cms, int(7800 * scale))
    settings["cms"] = rendered(cms, lms, int(5200 * scale))

    health = {
        "lms": {"modulestore": True, "sql": True, "celery": True, "cache_default": True},
        "cms": {"modulestore": True, "sql": True, "celery": True},
    }
    if not staging:
        health["lms"]["forum"] = True

    return {
        "release": release,
        "plugins": plugins,
        "sso": sso,
        "datastores": datastores,
        "services": services,
        "security": security,
        "features": features,
        "settings": settings,
        "health": health,
    }


def realistic(out_dir: str, scale: float) -> str:
    write_pair(out_dir, snapshot("staging", realistic_surface("staging", scale)),
               snapshot("production", realistic_surface("production", scale)))
    return "realistic Open edX-like pair" + (f", large collections x{scale}" if scale > 1 else "")


# --- keyed -----------------------------------------------------------------------------

def keyed_surface(entries: int, head: bool) -> dict:
    rng = random.Random(100000)
    flags = {}
    for i in range(entries):
        name = f"{rng.choice(WORDS)}.{rng.choice(WORDS)}_{i:07d}"
        flags[name] = {"status": rng.choice(["on", "off", "both"])}
    if head:
        # "0" sorts before every letter: this entry comes first in the collection.
        flags["0_new_flag.enable_candidate_feature"] = {"status": "on"}
    return {
        "features": {"waffle_flags": flags},
        "settings": {"LMS_HOST": "lms.example.org", "PLATFORM_NAME": "Example University"},
    }


def keyed(out_dir: str, entries: int) -> str:
    write_pair(out_dir, snapshot("staging", keyed_surface(entries, False)),
               snapshot("production", keyed_surface(entries, True)))
    return f"keyed collection of {entries} entries, one inserted at the head in production"


# --- leaves ----------------------------------------------------------------------------

def leaves_surface(count: int, staging: bool) -> dict:
    rng = random.Random(1000000)
    lms = "lms.staging.example.org" if staging else "lms.example.org"
    per_group = 1000
    groups = {}
    made = 0
    g = 0
    while made < count:
        group = {}
        for k in range(min(per_group, count - made)):
            kind = k % 10
            key = f"KEY_{k:04d}"
            if kind == 0:
                value = f"https://{lms}/api/{rng.choice(WORDS)}/{g}/{k}"
            elif kind in (1, 2):
                value = rng.random() < 0.5
            elif kind in (3, 4):
                value = rng.randint(0, 1_000_000)
            elif kind == 5:
                value = None
            elif kind == 6:
                value = rng.random()
            else:
                value = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
            group[key] = value
        groups[f"GROUP_{g:04d}"] = group
        made += len(group)
        g += 1
    if staging:
        # 10 changed leaves, 3 missing in staging, 2 only in staging.
        for i in range(10):
            grp = groups[f"GROUP_{(i * 97) % g:04d}"]
            grp["KEY_0003"] = -1 - i
        for i in range(3):
            del groups[f"GROUP_{(i * 131 + 7) % g:04d}"]["KEY_0007"]
        for i in range(2):
            groups[f"GROUP_{(i * 53 + 11) % g:04d}"]["KEY_EXTRA"] = "only in staging"
    return {
        "settings": {
            "LMS_HOST": lms,
            "PLATFORM_NAME": "Example University",
            "lms": groups,
        }
    }


def leaves(out_dir: str, count: int) -> str:
    write_pair(out_dir, snapshot("staging", leaves_surface(count, True)),
               snapshot("production", leaves_surface(count, False)))
    return f"{count} leaves, 15 differences, hosts differ"


def empty(out_dir: str) -> str:
    # Compact, no source: the least `envparity diff` reads.
    os.makedirs(out_dir, exist_ok=True)
    for name in ("staging", "production"):
        with open(os.path.join(out_dir, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump({"format": FORMAT, "environment": name,
                       "collected_at": "2026-11-26T12:00:00Z", "tool": "bench",
                       "sources": {}, "surface": {}}, f)
    return "nothing collected"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("shape", choices=["realistic", "keyed", "leaves", "empty"])
    ap.add_argument("out_dir")
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--leaves", type=int, default=1_000_000)
    ap.add_argument("--scale", type=float, default=1)
    a = ap.parse_args()
    if a.shape == "realistic":
        what = realistic(a.out_dir, a.scale)
    elif a.shape == "keyed":
        what = keyed(a.out_dir, a.entries)
    elif a.shape == "leaves":
        what = leaves(a.out_dir, a.leaves)
    else:
        what = empty(a.out_dir)
    sizes = [os.path.getsize(os.path.join(a.out_dir, f"{n}.json"))
             for n in ("staging", "production")]
    print(f"{a.out_dir}: {what} ({sizes[0]} + {sizes[1]} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
