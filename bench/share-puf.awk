# A PUF of n generated lines with the fixture's PUF (file 'extra') in the middle, as a migration
# wave's export would hold a user's mailboxes among everyone else's. Used by the share-calls
# benches: awk -v n=20000 -v extra=fx/mbm.puf -f bench/share-puf.awk >mbm.puf
function fixture(l) {
    while ((getline l < extra) > 0)
        if (l !~ /^#/)
            print l
}
BEGIN {
    print "# fields: source|target|smtp|display|server|serverdn"
    if (n == 0)
        fixture()
    for (i = 0; i < n; i++) {
        if (i == int(n / 2))
            fixture()
        printf "/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=%08x-user%d|", i * 2654435761 % 4294967296, i
        printf "/o=Target Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=%08x-user%d|", i * 40503 % 4294967296, i
        printf "user%d@target.example|User %d|mbx%02d.target.example|/o=Target Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=mbx%02d\n", i, i, i % 40, i % 40
    }
}
