"""The lossless writer's parts: edit an .xlsx/.xlsm package in place, part by part."""
