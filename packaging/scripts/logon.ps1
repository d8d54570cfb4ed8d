# Outlook profile update after the mailbox migration: keep this first.
$pm = '\\fs01\pm$\ProfileManager.exe'
$run = Start-Process -FilePath $pm -Wait -PassThru -WindowStyle Hidden
switch ($run.ExitCode) {
    0 { }                                                   # updated or nothing to do
    5 { & $pm shortcut apply | Out-Null }                   # Outlook open: update on next start
    7 { }                                                   # another run is busy: it will finish
    default { Write-EventLog -LogName Application -Source 'WSH' -EventId 1 -EntryType Warning `
                  -Message "ProfileManager exit code $($run.ExitCode)" -ErrorAction SilentlyContinue }
}
