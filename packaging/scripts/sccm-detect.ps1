# Configuration Manager detection script (Detection method: "Use a custom script", PowerShell,
# run as the user): the same rule as the registry detection above. Installed = output and exit 0.
$s = Get-ItemProperty -Path 'HKCU:\Software\ProfileManager' -ErrorAction SilentlyContinue
if ($s -and $s.ResultCode -eq 0 -and $s.Pending -eq 0) { Write-Output 'Installed' }
exit 0
