# Intune remediation (Devices > Scripts and remediations), run in the logged-on user's context,
# 64-bit, with intune-detect.ps1 as its detection script: runs the tool from the share and
# passes its exit code on (0 = done or nothing to do, 5 = Outlook open, retried on the schedule).
$pm = '\\fs01\pm$\ProfileManager.exe'
$run = Start-Process -FilePath $pm -Wait -PassThru -WindowStyle Hidden
exit $run.ExitCode
