"""Staging with the visible providers of production but neither hidden one, and
third-party authentication switched off by site configuration (which Open edX asks
before the ENABLE_THIRD_PARTY_AUTH feature). For the LMS-database tests.
"""
import os

exec(open(os.path.join(os.environ['ENVPARITY_TEST_LMS_FIXTURES'], 'common.py')).read())

from common.djangoapps.third_party_auth.models import OAuth2ProviderConfig, SAMLProviderConfig

ensure(SAMLProviderConfig, dict(slug='uni'), site=site, enabled=True, visible=True,
       name='University SSO', backend_name='tpa-saml', entity_id='https://idp.example.edu/idp',
       metadata_source='https://idp.example.edu/metadata.xml',
       other_settings='{"secret_api_token": "stg-canary-saml-other-settings"}')
ensure(OAuth2ProviderConfig, dict(slug='google-oauth2'), site=site, enabled=True, visible=True,
       name='Google', backend_name='google-oauth2', key='stg-google-client-id',
       secret='stg-canary-google-secret')
ensure(OAuth2ProviderConfig, dict(slug='linkedin-oauth2'), site=site, enabled=True, visible=True,
       name='LinkedIn', backend_name='linkedin-oauth2', key='stg-linkedin-client-id',
       secret='stg-canary-linkedin-secret')
site_values(ENABLE_THIRD_PARTY_AUTH=False)
print('envparity staging-site-off fixture loaded')
