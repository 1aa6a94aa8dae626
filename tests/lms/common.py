"""Helpers shared by the envparity real-LMS fixtures (exec'd by each fixture).

ConfigurationModels keep their history: every change is a new row and the latest row
per key is the one in effect, so "disable a provider" means adding a newer row.
"""
from django.contrib.sites.models import Site

site = Site.objects.get(id=1)


def latest(model, **key):
    return model.objects.filter(**key).order_by('-change_date').first()


def ensure(model, key, **fields):
    """Make the current row of `model` for `key` hold `fields` (a new row when it differs)."""
    row = latest(model, **key)
    if row is not None and all(getattr(row, k) == v for k, v in fields.items()):
        return row
    values = dict(key, **fields)
    return model.objects.create(**values)


def site_values(**values):
    from openedx.core.djangoapps.site_configuration.models import SiteConfiguration
    config, _ = SiteConfiguration.objects.get_or_create(site=site)
    config.enabled = True
    config.site_values = dict(config.site_values or {}, **values)
    config.save()
