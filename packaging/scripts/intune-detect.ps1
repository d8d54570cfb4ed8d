$s = Get-ItemProperty -Path 'HKCU:\Software\ProfileManager' -ErrorAction SilentlyContinue
if ($s -and $s.ResultCode -eq 0 -and $s.Pending -eq 0) { Write-Output "ProfileManager $($s.Version) $($s.LastRun)"; exit 0 }
exit 1
