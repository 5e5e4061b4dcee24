"""The Word approval form (客诉问题处理审批表): its default template, its fields and the filler.
See docs/forms.md."""
