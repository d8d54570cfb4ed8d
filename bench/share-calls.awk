# Counts, in `strace -f -y` output, the system calls that touch the share folder SHARE: calls
# naming a path under it, and calls on a file descriptor open on a file under it (strace -y shows
# the descriptor's path). Data passed to read/write is not looked at, so a message that merely
# mentions the share (e.g. "log: /share/Logs/...") on stderr does not count. Not counted: the
# execve of the program itself and readlink("/proc/self/exe"), which the system answers without
# asking the share. Prints the total, then the count per call name, then (with DETAIL=1) each call.
#   awk -v SHARE=/path/to/share [-v DETAIL=1] -f share-calls.awk strace.txt
function under(s) { return index(s, "<" SHARE "/") || index(s, "<" SHARE ">") || index(s, "\"" SHARE "/") || index(s, "\"" SHARE "\"") }
{
    line = $0
    sub(/^\[?pid +[0-9]+\]? */, "", line)
    sub(/^[0-9]+ +/, "", line)
    if (line ~ /^<\.\.\. / || line ~ /^\+\+\+ / || line ~ /^--- /)
        next # the second half of a call shown in two parts, exits and signals
    p = index(line, "(")
    if (!p)
        next
    name = substr(line, 1, p - 1)
    args = substr(line, p + 1)
    if (name == "execve")
        next
    if (name == "readlink" && index(args, "\"/proc/self/exe\""))
        next
    if (name ~ /^(read|write|pread64|pwrite64|readv|writev|preadv|pwritev|sendfile)$/) {
        # Only the descriptor, never the data.
        q = index(args, ",")
        hit = under(substr(args, 1, q))
    } else {
        # Everything before the result; strace prints it after " = ".
        r = index(args, ") = ")
        hit = under(r ? substr(args, 1, r) : args)
    }
    if (!hit)
        next
    total++
    by[name]++
    if (DETAIL)
        print "  " substr(line, 1, 160)
}
END {
    printf "%d", total
    for (k in by)
        printf " %s=%d", k, by[k]
    printf "\n"
}
