"""Helpers shared by the envparity real-LMS fixtures (exec'd by each fixture).

ConfigurationModels keep their history: every change is a new row and the latest row
per key is the one in effect, so "disable a provider" means adding a newer row.
"""
from django.contrib.sites.models import Site

site = Site.objects.get(id=1)


def latest(model, **key):
    return model.objects.filter(**key).order_by('-change_date').first()


def ensure(model, ident, **fields):
    """Make the current row of `model` for `ident` hold `fields` (a new row when it differs)."""
    row = latest(model, **ident)
    if row is not None and all(getattr(row, k) == v for k, v in fields.items()):
        return row
    values = dict(ident, **fields)
    return model.objects.create(**values)


def site_values(**values):
    """The site configuration of site 1: exactly these values (the fixture owns them)."""
    from openedx.core.djangoapps.site_configuration.models import SiteConfiguration
    config, _ = SiteConfiguration.objects.get_or_create(site=site)
    config.enabled = True
    config.site_values = values
    config.save()
