"""The working catalogue of the eight mandatory MPS courses (domain brief, reconstructed from the
programme's public documents; titles stay editable in the CMS)."""

COURSES = [
    # code, English title, Arabic title, face-to-face hours, audience (en), audience (ar)
    (
        "MPS-01",
        "Improving the Effectiveness of Local Police",
        "تحسين فاعلية الشرطة المحلية",
        40,
        "Station commanders, officers and investigators of the Local Police",
        "آمرو المراكز وضباط ومحققو الشرطة المحلية",
    ),
    (
        "MPS-02",
        "Community Engagement and Communication",
        "إشراك المجتمع والتواصل",
        30,
        "Community policing officers and station staff who meet the public",
        "ضباط الشرطة المجتمعية وكوادر المراكز المتعاملون مع الجمهور",
    ),
    (
        "MPS-03",
        "Criminal Investigations under the Unified SOP",
        "التحقيقات الجنائية وفق الإجراءات الموحدة",
        40,
        "Investigators and first responders",
        "المحققون وأفراد الاستجابة الأولى",
    ),
    (
        "MPS-04",
        "Mid-Level Police Management: Leadership and Change",
        "إدارة الشرطة للمستوى المتوسط: القيادة وإدارة التغيير",
        40,
        "Mid-level officers who lead stations, units and change",
        "الضباط من المستوى المتوسط الذين يقودون المراكز والوحدات والتغيير",
    ),
    (
        "MPS-05",
        "Human Rights in Policing",
        "حقوق الإنسان في العمل الشرطي",
        24,
        "All police personnel",
        "جميع منتسبي الشرطة",
    ),
    (
        "MPS-06",
        "Gender-Responsive Policing and Women's Access to Justice",
        "العمل الشرطي المراعي للنوع الاجتماعي ووصول المرأة إلى العدالة",
        24,
        "All police personnel, women police officers and station commanders",
        "جميع منتسبي الشرطة والشرطيات وآمرو المراكز",
    ),
    (
        "MPS-07",
        "Family and Child Protection",
        "حماية الأسرة والطفل",
        30,
        "Family and Child Protection Unit staff, juvenile police and station duty officers",
        "منتسبو مديرية حماية الأسرة والطفل وشرطة الأحداث وضباط الخفر في المراكز",
    ),
    (
        "MPS-08",
        "Police Integrity and Accountability",
        "النزاهة والمساءلة في الشرطة",
        20,
        "All police personnel and internal oversight staff",
        "جميع منتسبي الشرطة وكوادر الرقابة الداخلية",
    ),
]
