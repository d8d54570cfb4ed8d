@echo off
rem --- Outlook profile update after the mailbox migration: keep this the FIRST line ---
"\\fs01\pm$\ProfileManager.exe"
if errorlevel 5 if not errorlevel 6 "\\fs01\pm$\ProfileManager.exe" shortcut apply
rem --- the rest of the logon script ---
