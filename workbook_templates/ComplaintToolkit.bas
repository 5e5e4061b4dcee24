Attribute VB_Name = "ComplaintToolkit"
' complaint-toolkit: the buttons on the register sheet (see docs/excel.md).
' Each macro runs one function of toolkit.excel in the Python named on the hidden
' xlwings.conf sheet (INTERPRETER_WIN). RunPython comes from the xlwings module beside this one.
' Kept ASCII on purpose: VBA stores source in the project's ANSI code page.
Option Explicit

' Button "Validate": check the register, write the results and the report sheet.
Sub Validate()
    RunPython "import toolkit.excel; toolkit.excel.validate()"
End Sub

' Button "Approval forms": the form of the selected row, or of every case needing approval.
Sub ApprovalForms()
    RunPython "import toolkit.excel; toolkit.excel.approval_forms()"
End Sub

' Button "Monthly statistics": the previous month's statistics sheet.
Sub MonthlyStatistics()
    RunPython "import toolkit.excel; toolkit.excel.monthly_statistics()"
End Sub
