"""Curated Iraqi names with their usual Latin spellings, for demo people.

An Iraqi full name is the given name, the father's name and the grandfather's name, often followed
by a family or tribal name (laqab): "علي حسين كاظم الساعدي" / "Ali Hussein Kadhim Al-Saadi". Father
and grandfather names are always male names. Lists are fixed so a seed gives the same people on
every machine; Faker is a test tool, not a runtime dependency.
"""

import random

from lms.text import normalize_arabic

# fmt: off
MALE = [
    ("علي", "Ali"), ("حسين", "Hussein"), ("حسن", "Hassan"), ("محمد", "Mohammed"), ("أحمد", "Ahmed"),
    ("عباس", "Abbas"), ("كاظم", "Kadhim"), ("جاسم", "Jasim"), ("قاسم", "Qasim"), ("مهدي", "Mahdi"),
    ("صادق", "Sadiq"), ("جعفر", "Jaafar"), ("حيدر", "Haider"), ("مصطفى", "Mustafa"), ("عمر", "Omar"),
    ("عثمان", "Othman"), ("خالد", "Khalid"), ("سعد", "Saad"), ("ياسر", "Yasir"), ("رعد", "Raad"),
    ("فلاح", "Falah"), ("كريم", "Karim"), ("عبد الله", "Abdullah"), ("عبد الرحمن", "Abdulrahman"),
    ("عبد الكريم", "Abdulkarim"), ("عبد الأمير", "Abdulameer"), ("عبد الحسين", "Abdulhussein"),
    ("عبد الرزاق", "Abdulrazzaq"), ("صباح", "Sabah"), ("ستار", "Sattar"), ("جبار", "Jabbar"),
    ("نوري", "Nouri"), ("فاضل", "Fadhil"), ("ماجد", "Majid"), ("سلمان", "Salman"), ("سالم", "Salim"),
    ("ناصر", "Nasir"), ("منذر", "Munthir"), ("حامد", "Hamid"), ("محمود", "Mahmoud"), ("إبراهيم", "Ibrahim"),
    ("إسماعيل", "Ismail"), ("يوسف", "Yousif"), ("زيد", "Zaid"), ("مرتضى", "Murtadha"), ("منتظر", "Muntadhar"),
    ("مؤيد", "Muayad"), ("وليد", "Walid"), ("طارق", "Tariq"), ("ضياء", "Dhiaa"), ("رياض", "Riyadh"),
    ("هادي", "Hadi"), ("عادل", "Adil"), ("عماد", "Imad"), ("إياد", "Iyad"), ("نزار", "Nizar"),
    ("باسم", "Basim"), ("حاتم", "Hatim"), ("شاكر", "Shakir"), ("عدنان", "Adnan"), ("لؤي", "Luay"),
    ("أسامة", "Usama"), ("سيف", "Saif"), ("أنور", "Anwar"), ("جمال", "Jamal"), ("كمال", "Kamal"),
    ("فراس", "Firas"), ("ليث", "Laith"), ("بشير", "Bashir"), ("خليل", "Khalil"), ("رشيد", "Rashid"),
    ("سامي", "Sami"), ("ثامر", "Thamir"), ("نبيل", "Nabil"), ("عقيل", "Aqeel"), ("حمزة", "Hamza"),
    ("مازن", "Mazin"), ("عمار", "Ammar"), ("أمجد", "Amjad"), ("غسان", "Ghassan"), ("صلاح", "Salah"),
    ("هاشم", "Hashim"), ("موسى", "Musa"), ("داود", "Dawood"), ("فيصل", "Faisal"), ("مالك", "Malik"),
    ("رحيم", "Rahim"), ("سعدون", "Sadoun"), ("غازي", "Ghazi"), ("نجم", "Najm"), ("حميد", "Hameed"),
    ("مجيد", "Majeed"), ("لطيف", "Latif"), ("عزيز", "Aziz"), ("وسام", "Wisam"), ("سجاد", "Sajjad"),
    ("كرار", "Karrar"), ("حسنين", "Hasanain"), ("علاء", "Alaa"), ("مهند", "Muhannad"), ("أثير", "Atheer"),
]

FEMALE = [
    ("فاطمة", "Fatima"), ("زينب", "Zainab"), ("مريم", "Maryam"), ("نور", "Noor"), ("سارة", "Sara"),
    ("هدى", "Huda"), ("رنا", "Rana"), ("سناء", "Sanaa"), ("إيمان", "Iman"), ("أسماء", "Asmaa"),
    ("رقية", "Ruqaya"), ("زهراء", "Zahraa"), ("بتول", "Batool"), ("شيماء", "Shaimaa"), ("ضحى", "Dhuha"),
    ("آمنة", "Amina"), ("هند", "Hind"), ("لمى", "Lama"), ("ريم", "Reem"), ("دعاء", "Duaa"),
    ("سهى", "Suha"), ("ندى", "Nada"), ("وفاء", "Wafaa"), ("منى", "Muna"), ("سلمى", "Salma"),
    ("حنان", "Hanan"), ("انتصار", "Intisar"), ("أزهار", "Azhar"), ("خديجة", "Khadija"), ("عائشة", "Aisha"),
    ("رشا", "Rasha"), ("مروة", "Marwa"), ("غادة", "Ghada"), ("نادية", "Nadia"), ("بشرى", "Bushra"),
    ("سميرة", "Samira"), ("لبنى", "Lubna"), ("إسراء", "Israa"), ("آلاء", "Alaa"), ("هبة", "Hiba"),
]

FAMILY = [
    ("الجبوري", "Al-Jubouri"), ("الدليمي", "Al-Dulaimi"), ("العبيدي", "Al-Obaidi"), ("الساعدي", "Al-Saadi"),
    ("الربيعي", "Al-Rubaie"), ("الخفاجي", "Al-Khafaji"), ("الزبيدي", "Al-Zubaidi"), ("التميمي", "Al-Tamimi"),
    ("الشمري", "Al-Shammari"), ("الكعبي", "Al-Kaabi"), ("المالكي", "Al-Maliki"), ("العزاوي", "Al-Azzawi"),
    ("الجنابي", "Al-Janabi"), ("الفهداوي", "Al-Fahdawi"), ("العاني", "Al-Ani"), ("الحمداني", "Al-Hamdani"),
    ("البياتي", "Al-Bayati"), ("الموسوي", "Al-Musawi"), ("الحسيني", "Al-Husseini"), ("الكناني", "Al-Kinani"),
    ("السوداني", "Al-Sudani"), ("اللامي", "Al-Lami"), ("العكيلي", "Al-Ugaili"), ("الأسدي", "Al-Asadi"),
    ("الطائي", "Al-Taie"), ("النعيمي", "Al-Nuaimi"), ("الراوي", "Al-Rawi"), ("السامرائي", "Al-Samarrai"),
    ("الكبيسي", "Al-Kubaisi"), ("المحمداوي", "Al-Mohammedawi"), ("البديري", "Al-Budairi"), ("الحلفي", "Al-Halfi"),
]
# fmt: on

# Share of names written with the family name, as many rosters do.
WITH_FAMILY_NAME = 0.45


def full_name(rng: random.Random, *, female: bool) -> tuple[str, str, str]:
    """A new full name: (Arabic as written, Latin transliteration, normalised Arabic for matching)."""
    given = rng.choice(FEMALE if female else MALE)
    parts = [given, rng.choice(MALE), rng.choice(MALE)]
    if rng.random() < WITH_FAMILY_NAME:
        parts.append(rng.choice(FAMILY))
    name_ar = " ".join(ar for ar, _latin in parts)
    return name_ar, " ".join(latin for _ar, latin in parts), normalize_arabic(name_ar)
