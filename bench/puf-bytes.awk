# Sums the bytes that read()/pread64() returned on file descriptors opened on the file P, from
# an strace log (strace -f -e trace=openat,read,pread64,close).
{
    line = $0
    sub(/^[0-9]+ +/, "", line)
}
line ~ /^openat\(/ && index(line, "\"" P "\"") {
    n = split(line, a, "= ")
    if (a[n] ~ /^[0-9]+/)
        fd[a[n] + 0] = 1
    next
}
line ~ /^close\(/ {
    s = line
    sub(/^close\(/, "", s)
    sub(/\).*/, "", s)
    delete fd[s + 0]
    next
}
line ~ /^(read|pread64)\(/ {
    s = line
    sub(/^[a-z0-9]+\(/, "", s)
    sub(/,.*/, "", s)
    if ((s + 0) in fd) {
        n = split(line, a, "= ")
        if (a[n] + 0 > 0)
            total += a[n] + 0
    }
}
END { printf "%d\n", total + 0 }
