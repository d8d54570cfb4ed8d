# Counts, in a Wine trace (WINEDEBUG=+file,+relay with ntdll.NtClose relayed) of one
# ProfileManager.exe run, the NT file calls that touch C:\pm, the folder standing for the share
# (bench/share-calls-wine.sh). Prints "opens names reads writes queries closes total dll":
# NtCreateFile of a file there or of the folder itself (whose access list the trust check reads;
# the loader's search for a DLL beside the exe apart, in 'dll'),
# queries by name (GetFileAttributes[Ex]W), and the calls on a handle that CreateFileW returned for
# a file there, up to its NtClose. The trace does not give the handles of opens made without
# CreateFileW (the access-list reads): their query and close are not in 'total'.
/trace:file:NtCreateFile / && /name=L"\\\\\?\?\\\\C:\\\\pm(\\\\|")/ {
    if ($0 ~ /\.dll"/) dll++; else opens++
    next
}
/trace:file:CreateFileW returning / {
    h = tolower($NF); sub(/^0+/, "", h)
    if (pending) share[h] = 1; else delete share[h]
    pending = 0
    next
}
/trace:file:CreateFileW L"/ { pending = ($0 ~ /CreateFileW L"C:\\\\pm\\\\/); next }
/trace:file:GetFileAttributes(Ex)?W L"C:\\\\pm\\\\/ { names++; next }
/Call ntdll\.NtClose\(/ {
    h = $0; sub(/.*NtClose\(/, "", h); sub(/\).*/, "", h); h = tolower(h); sub(/^0+/, "", h)
    if (h in share) { closes++; delete share[h] }
    next
}
/trace:file:Nt(Read|Write|QueryInformation|SetInformation|FlushBuffers)File \(0x/ {
    i = index($0, "(0x"); split(substr($0, i + 3), arg, ",")
    h = tolower(arg[1]); sub(/^0+/, "", h)
    if (!(h in share)) next
    if ($0 ~ /NtReadFile/) reads++
    else if ($0 ~ /NtWriteFile/) writes++
    else queries++
}
END {
    printf "%d %d %d %d %d %d %d %d\n", opens, names, reads, writes, queries, closes,
        opens + names + reads + writes + queries + closes, dll
}
