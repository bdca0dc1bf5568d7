"""Iraq's 18 governorates (codes are the ISO 3166-2:IQ subdivision codes)."""

GOVERNORATES = [
    # code, English, Arabic, Kurdistan Region
    ("BG", "Baghdad", "بغداد", False),
    ("BA", "Basra", "البصرة", False),
    ("NI", "Ninewa", "نينوى", False),
    ("AN", "Anbar", "الأنبار", False),
    ("SD", "Salah al-Din", "صلاح الدين", False),
    ("DI", "Diyala", "ديالى", False),
    ("KI", "Kirkuk", "كركوك", False),
    ("BB", "Babil", "بابل", False),
    ("KA", "Karbala", "كربلاء", False),
    ("NA", "Najaf", "النجف", False),
    ("WA", "Wasit", "واسط", False),
    ("MA", "Maysan", "ميسان", False),
    ("DQ", "Dhi Qar", "ذي قار", False),
    ("MU", "Muthanna", "المثنى", False),
    ("QA", "Qadisiyah", "القادسية", False),
    ("AR", "Erbil", "أربيل", True),
    ("DA", "Duhok", "دهوك", True),
    ("SU", "Sulaymaniyah", "السليمانية", True),
]
