"""Template workbooks: the file a user fills in, in their language.

An Arabic template has Arabic headers, every sheet right to left, and a help sheet written in
Arabic; an English one, English headers and help. Choice columns (gender, rank, session kind,
outcome, the MPS flag) and governorate columns carry a drop-down list of the accepted values in
the template's language, read from a hidden ``lists`` sheet. The list only helps: other
spellings the import accepts (``imports.synonyms``) may still be typed, so Excel warns instead of
refusing.
"""

import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from imports import synonyms
from imports.columns import FORMATS
from imports.files import escape_formula
from lms.models import Governorate

# Rows of the data sheet that carry the drop-down lists.
LIST_ROWS = 5000
# Column name → the choice whose labels it lists ("governorate" and "yes_no" are lists of their own).
LISTED = {
    "gender": "gender",
    "rank": "rank",
    "kind": "kind",
    "outcome": "outcome",
    "governorate": "governorate",
    "model_police_station": "yes_no",
}


def _list_values(name: str, arabic: bool) -> list[str]:
    if name == "governorate":
        field = "name_ar" if arabic else "name_en"
        return list(Governorate.objects.order_by(field).values_list(field, flat=True))
    if name == "yes_no":
        return [_("yes"), _("no")]
    return [str(member.label) for member in synonyms.CHOICES[name]]


def template_workbook(kind: str, *, arabic: bool) -> bytes:
    """The .xlsx template of ``kind``: a data sheet, a help sheet and the hidden lists."""
    columns = FORMATS[kind]
    with translation.override("ar" if arabic else "en"):
        workbook = Workbook()
        data = workbook.active
        data.title = kind
        data.append([c.arabic if arabic else c.name for c in columns])
        for cell in data[1]:
            cell.font = Font(bold=True)
        data.freeze_panes = "A2"

        lists = workbook.create_sheet("lists")
        listed: dict[str, str] = {}  # list name → its range on the lists sheet
        for index, column in enumerate(columns, 1):
            name = LISTED.get(column.name)
            if name is None:
                continue
            if name not in listed:
                values = _list_values(name, arabic)
                list_column = get_column_letter(len(listed) + 1)
                lists[f"{list_column}1"] = name
                for row, value in enumerate(values, 2):
                    lists[f"{list_column}{row}"] = escape_formula(value)
                listed[name] = f"lists!${list_column}$2:${list_column}${len(values) + 1}"
            validation = DataValidation(
                type="list",
                formula1=f"={listed[name]}",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=_("Not in the list"),
                error=_("This value is not in the list. Keep it only if the import accepts this spelling."),
            )
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{LIST_ROWS}")
            data.add_data_validation(validation)
        lists.sheet_state = "hidden"

        help_sheet = workbook.create_sheet(_("help"), 1)
        help_sheet.append([_("Column"), _("Header in the other language"), _("Required"), _("What to write")])
        for cell in help_sheet[1]:
            cell.font = Font(bold=True)
        for column in columns:
            help_sheet.append(
                [
                    column.arabic if arabic else column.name,
                    column.name if arabic else column.arabic,
                    _("yes") if column.required else _("no"),
                    escape_formula(str(column.help)),
                ]
            )
        for letter, width in zip("ABCD", (34, 34, 10, 90), strict=True):
            help_sheet.column_dimensions[letter].width = width
        for row in help_sheet.iter_rows(min_row=2):
            row[3].alignment = Alignment(wrap_text=True, vertical="top")
        for sheet in (data, help_sheet, lists):
            sheet.sheet_view.rightToLeft = arabic
        for index in range(1, len(columns) + 1):
            data.column_dimensions[get_column_letter(index)].width = 24
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
