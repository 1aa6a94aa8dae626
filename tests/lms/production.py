"""Production: SSO through SAML (one visible IdP, one hidden), OAuth2 (one visible, one
hidden), an LTI provider; waffle flags on for everyone, for a percentage and for staff;
course and org overrides; a switch on; MFE_CONFIG and MFE_CONFIG_OVERRIDES in site
configuration. All secrets are fake canaries (`prod-canary-*`) that must never be printed.
"""
import os

exec(open(os.path.join(os.environ['ENVPARITY_TEST_LMS_FIXTURES'], 'common.py')).read())

from waffle.models import Flag, Switch

from common.djangoapps.third_party_auth.models import (
    LTIProviderConfig, OAuth2ProviderConfig, SAMLProviderConfig,
)
from openedx.core.djangoapps.waffle_utils.models import (
    WaffleFlagCourseOverrideModel, WaffleFlagOrgOverrideModel,
)

ensure(SAMLProviderConfig, dict(slug='uni'), site=site, enabled=True, visible=True,
       name='University SSO', backend_name='tpa-saml', entity_id='https://idp.example.edu/idp',
       metadata_source='https://idp.example.edu/metadata.xml',
       other_settings='{"secret_api_token": "prod-canary-saml-other-settings"}')
ensure(SAMLProviderConfig, dict(slug='partner'), site=site, enabled=True, visible=False,
       name='Partner IdP', backend_name='tpa-saml', entity_id='https://idp.partner.example/idp',
       metadata_source='https://idp.partner.example/metadata.xml')
ensure(OAuth2ProviderConfig, dict(slug='google-oauth2'), site=site, enabled=True, visible=True,
       name='Google', backend_name='google-oauth2', key='prod-google-client-id',
       secret='prod-canary-google-secret')
ensure(OAuth2ProviderConfig, dict(slug='azuread-oauth2'), site=site, enabled=True, visible=False,
       name='Azure AD', backend_name='azuread-oauth2', key='prod-azure-client-id',
       secret='prod-canary-azure-secret')
ensure(OAuth2ProviderConfig, dict(slug='linkedin-oauth2'), site=site, enabled=True, visible=True,
       name='LinkedIn', backend_name='linkedin-oauth2', key='prod-linkedin-client-id',
       secret='prod-canary-linkedin-secret')
ensure(LTIProviderConfig, dict(lti_consumer_key='campus-lms'), site=site, enabled=True,
       visible=False, name='Campus LMS', lti_consumer_secret='prod-canary-lti-secret')

Flag.objects.update_or_create(name='envparity.everyone', defaults={'everyone': True})
Flag.objects.update_or_create(name='envparity.percent', defaults={'everyone': None, 'percent': 50})
Flag.objects.update_or_create(name='envparity.staff_only', defaults={'everyone': None, 'staff': True})
Flag.objects.update_or_create(name='envparity.overridden', defaults={'everyone': None})
ensure(WaffleFlagCourseOverrideModel,
       dict(waffle_flag='envparity.overridden', course_id='course-v1:Example+P101+2026'),
       override_choice='on', enabled=True)
ensure(WaffleFlagOrgOverrideModel, dict(waffle_flag='envparity.overridden', org='Example'),
       override_choice='on', enabled=True)
Switch.objects.update_or_create(name='envparity.switch', defaults={'active': True})

site_values(
    MFE_CONFIG={'LOGO_URL': 'https://courses.example.org/logo.png',
                'ENABLE_PROGRAMS': True, 'SUPPORT_EMAIL': 'support@example.org'},
    MFE_CONFIG_OVERRIDES={'learning': {'ENABLE_NOTICES': True},
                          'authn': {'ENABLE_DYNAMIC_REGISTRATION_FIELDS': True}},
)
print('envparity production fixture loaded')
