"""Staging, reduced: no SAML IdP, no hidden providers, LinkedIn disabled (a newer row),
waffle flags off, no overrides, the switch off, no MFE_CONFIG_OVERRIDES, and the SAML
service provider configured but broken (a private key that is no key: the metadata
view answers 500).
"""
import os

exec(open(os.path.join(os.environ['ENVPARITY_TEST_LMS_FIXTURES'], 'common.py')).read())

from waffle.models import Flag, Switch

from common.djangoapps.third_party_auth.models import OAuth2ProviderConfig, SAMLConfiguration

ensure(OAuth2ProviderConfig, dict(slug='google-oauth2'), site=site, enabled=True, visible=True,
       name='Google', backend_name='google-oauth2', key='stg-google-client-id',
       secret='stg-canary-google-secret')
ensure(OAuth2ProviderConfig, dict(slug='linkedin-oauth2'), site=site, enabled=True, visible=True,
       name='LinkedIn', backend_name='linkedin-oauth2', key='stg-linkedin-client-id',
       secret='stg-canary-linkedin-secret')
# ... and then disabled: the newer row is the one in effect.
ensure(OAuth2ProviderConfig, dict(slug='linkedin-oauth2'), site=site, enabled=False, visible=True,
       name='LinkedIn', backend_name='linkedin-oauth2', key='stg-linkedin-client-id',
       secret='stg-canary-linkedin-secret')

Flag.objects.update_or_create(name='envparity.everyone', defaults={'everyone': False})
Flag.objects.update_or_create(name='envparity.percent', defaults={'everyone': False})
Flag.objects.update_or_create(name='envparity.staff_only', defaults={'everyone': False})
Flag.objects.update_or_create(name='envparity.overridden', defaults={'everyone': None})
Switch.objects.update_or_create(name='envparity.switch', defaults={'active': False})

ensure(SAMLConfiguration, dict(site=site, slug='default'), enabled=True,
       entity_id=os.environ.get('ENVPARITY_LMS_ROOT_URL', '') + '/saml/metadata',
       private_key='-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----',
       public_key='not-a-certificate')

site_values(
    MFE_CONFIG={'LOGO_URL': 'https://courses.staging.example.org/logo.png',
                'ENABLE_PROGRAMS': True, 'SUPPORT_EMAIL': 'support@example.org'},
)
print('envparity staging-reduced fixture loaded')
