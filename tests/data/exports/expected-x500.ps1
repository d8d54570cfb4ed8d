# Adds each source legacyExchangeDN (and the source's old X500 proxies) as an X500 proxy
# address of its target mailbox, so cached autocomplete entries and replies to old
# messages still reach it. Review, then run in the target organisation's Exchange
# Management Shell. Each command stands alone: one failure does not stop the rest.
Set-Mailbox -Identity 'jane.doe@fabrikam.com' -EmailAddresses @{add='X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=5e1f0b2c9a8d4e7fb3c2a1d0e9f8a7b6-jdoe','X500:/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=jdoe','X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=jane.doe6a1'}
Set-Mailbox -Identity 'juergen.mueller@fabrikam.com' -EmailAddresses @{add='X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=8c3d2e1f0a9b4c8d9e7f6a5b4c3d2e1f-jmueller'}
Set-Mailbox -Identity 'tim.obrien@fabrikam.com' -EmailAddresses @{add='X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=tobrien''old'}
Set-Mailbox -Identity 'helpdesk@fabrikam.com' -EmailAddresses @{add='X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=helpdesk'}
