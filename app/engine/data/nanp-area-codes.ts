// Geographic NANP area codes of the United States (with DC and the territories) and Canada: the
// state/province a number belongs to and the time zone its holder is presumed to be in.
//
// - `timezone` is the zone most of the area code's population lives in; `otherTimezones` lists
//   EVERY other zone in which part of the code's area officially keeps time, however small
//   (850 spans Pensacola, Central, and Tallahassee, Eastern; 785 reaches the four Mountain-time
//   counties of western Kansas), so quiet hours hold in all of them. Checked against the per-prefix
//   zones of libphonenumber's resources/timezones/map_data.txt (2018 statistics: where it differs,
//   it predates an overlay or Yukon's 2020 move to year-round Mountain time). Zones whose clocks
//   always equal one already listed (Creston and Fort Nelson BC, Blanc-Sablon QC: Mountain or
//   Atlantic standard time all year) and unofficial local observance (Phenix City AL keeps Eastern
//   time) are left out, as in data/regions.ts.
// - Codes shared by several provinces/territories list every region (902: NS and PE; 867: the
//   three territories); state rules then apply for each.
// - Non-geographic codes (toll-free 8xx, 500, 600, 700, 900, ...) are left out on purpose: they
//   say nothing about where the holder lives.
// - Overlays opened 2020-2025 are included (e.g. 324, 645, 656, 728 in Florida; 983 in Colorado);
//   when updating, check the NANPA list of area codes in service.

export interface AreaCodeGroup {
  regions: readonly string[];
  timezone: string;
  otherTimezones?: readonly string[];
  codes: readonly number[];
}

const ET = "America/New_York";
const CT = "America/Chicago";
const MT = "America/Denver";
const PT = "America/Los_Angeles";

export const AREA_CODE_GROUPS: readonly AreaCodeGroup[] = [
  // ── United States ──────────────────────────────────────────────────────────────────────────
  { regions: ["AL"], timezone: CT, codes: [205, 251, 256, 334, 483, 659, 938] },
  // Statewide: the Aleutians west of 169°30'W keep Hawaii-Aleutian time.
  { regions: ["AK"], timezone: "America/Anchorage", otherTimezones: ["America/Adak"], codes: [907] },
  { regions: ["AZ"], timezone: "America/Phoenix", codes: [480, 520, 602, 623] },
  // Northern Arizona: the Navajo Nation observes daylight saving time.
  { regions: ["AZ"], timezone: "America/Phoenix", otherTimezones: [MT], codes: [928] },
  { regions: ["AR"], timezone: CT, codes: [327, 479, 501, 870] },
  {
    regions: ["CA"],
    timezone: PT,
    codes: [
      209, 213, 279, 310, 323, 341, 350, 357, 369, 408, 415, 424, 442, 510, 530, 559, 562, 619, 626,
      628, 650, 657, 661, 669, 707, 714, 738, 747, 760, 805, 818, 820, 831, 837, 840, 858, 909, 916,
      925, 949, 951,
    ],
  },
  { regions: ["CO"], timezone: MT, codes: [303, 719, 720, 970, 983] },
  { regions: ["CT"], timezone: ET, codes: [203, 475, 860, 959] },
  { regions: ["DE"], timezone: ET, codes: [302] },
  { regions: ["DC"], timezone: ET, codes: [202, 771] },
  {
    regions: ["FL"],
    timezone: ET,
    codes: [
      239, 305, 321, 324, 352, 386, 407, 561, 645, 656, 689, 727, 728, 754, 772, 786, 813, 863, 904,
      941, 954,
    ],
  },
  // Panhandle: Pensacola to Panama City (Central) is larger than Tallahassee (Eastern).
  { regions: ["FL"], timezone: CT, otherTimezones: [ET], codes: [448, 850] },
  { regions: ["GA"], timezone: ET, codes: [229, 404, 470, 478, 678, 706, 762, 770, 912, 943] },
  { regions: ["HI"], timezone: "Pacific/Honolulu", codes: [808] },
  // Statewide: southern Idaho is Mountain, the panhandle Pacific.
  { regions: ["ID"], timezone: "America/Boise", otherTimezones: [PT], codes: [208, 986] },
  {
    regions: ["IL"],
    timezone: CT,
    codes: [217, 224, 309, 312, 331, 447, 464, 618, 630, 708, 730, 773, 779, 815, 847, 861, 872],
  },
  { regions: ["IN"], timezone: "America/Indiana/Indianapolis", codes: [260, 317, 463, 765] },
  // North-central Indiana: Starke County (Knox) keeps Central time.
  { regions: ["IN"], timezone: "America/Indiana/Indianapolis", otherTimezones: [CT], codes: [574] },
  // North-west Indiana (Gary, Chicago suburbs) keeps Central time.
  { regions: ["IN"], timezone: CT, codes: [219] },
  // Southern Indiana: Evansville and its neighbours are Central.
  { regions: ["IN"], timezone: "America/Indiana/Indianapolis", otherTimezones: [CT], codes: [812, 930] },
  { regions: ["IA"], timezone: CT, codes: [319, 515, 563, 641, 712] },
  { regions: ["KS"], timezone: CT, codes: [316, 913] },
  // Western Kansas: Sherman and Wallace (785), Greeley and Hamilton (620) keep Mountain time.
  { regions: ["KS"], timezone: CT, otherTimezones: [MT], codes: [620, 785] },
  { regions: ["KY"], timezone: ET, codes: [502, 859] },
  // Eastern Kentucky: Clinton County (Albany) keeps Central time.
  { regions: ["KY"], timezone: ET, otherTimezones: [CT], codes: [606] },
  // Western Kentucky is Central; Elizabethtown and the east of the code are Eastern.
  { regions: ["KY"], timezone: CT, otherTimezones: [ET], codes: [270, 364] },
  { regions: ["LA"], timezone: CT, codes: [225, 318, 337, 457, 504, 985] },
  { regions: ["ME"], timezone: ET, codes: [207] },
  { regions: ["MD"], timezone: ET, codes: [227, 240, 301, 410, 443, 667] },
  { regions: ["MA"], timezone: ET, codes: [339, 351, 413, 508, 617, 774, 781, 857, 978] },
  {
    regions: ["MI"],
    timezone: "America/Detroit",
    codes: [231, 248, 269, 313, 517, 586, 616, 679, 734, 810, 947, 989],
  },
  // Upper Peninsula: four counties bordering Wisconsin are Central.
  { regions: ["MI"], timezone: "America/Detroit", otherTimezones: ["America/Menominee"], codes: [906] },
  { regions: ["MN"], timezone: CT, codes: [218, 320, 507, 612, 651, 763, 924, 952] },
  { regions: ["MS"], timezone: CT, codes: [228, 471, 601, 662, 769] },
  { regions: ["MO"], timezone: CT, codes: [235, 314, 417, 557, 573, 636, 660, 816, 975] },
  { regions: ["MT"], timezone: MT, codes: [406] },
  { regions: ["NE"], timezone: CT, codes: [402, 531] },
  // Western Nebraska: the panhandle is Mountain.
  { regions: ["NE"], timezone: CT, otherTimezones: [MT], codes: [308] },
  { regions: ["NV"], timezone: PT, codes: [702, 725] },
  // Northern Nevada: West Wendover keeps Mountain time.
  { regions: ["NV"], timezone: PT, otherTimezones: [MT], codes: [775] },
  { regions: ["NH"], timezone: ET, codes: [603] },
  { regions: ["NJ"], timezone: ET, codes: [201, 551, 609, 640, 732, 848, 856, 862, 908, 973] },
  { regions: ["NM"], timezone: MT, codes: [505, 575] },
  {
    regions: ["NY"],
    timezone: ET,
    codes: [
      212, 315, 329, 332, 347, 363, 516, 518, 585, 607, 624, 631, 646, 680, 716, 718, 838, 845, 914,
      917, 929, 934,
    ],
  },
  { regions: ["NC"], timezone: ET, codes: [252, 336, 472, 704, 743, 828, 910, 919, 980, 984] },
  // Statewide: the south-west (Dickinson) is Mountain.
  { regions: ["ND"], timezone: CT, otherTimezones: [MT], codes: [701] },
  {
    regions: ["OH"],
    timezone: ET,
    codes: [216, 220, 234, 283, 326, 330, 380, 419, 436, 440, 513, 567, 614, 740, 937],
  },
  { regions: ["OK"], timezone: CT, codes: [405, 539, 572, 580, 918] },
  { regions: ["OR"], timezone: PT, codes: [503, 971] },
  // Eastern Oregon: most of Malheur County (Ontario) keeps Mountain time.
  { regions: ["OR"], timezone: PT, otherTimezones: ["America/Boise"], codes: [458, 541] },
  {
    regions: ["PA"],
    timezone: ET,
    codes: [215, 223, 267, 272, 412, 445, 484, 570, 582, 610, 717, 724, 814, 835, 878],
  },
  { regions: ["RI"], timezone: ET, codes: [401] },
  { regions: ["SC"], timezone: ET, codes: [803, 821, 839, 843, 854, 864] },
  // Statewide: West River (Rapid City) is Mountain.
  { regions: ["SD"], timezone: CT, otherTimezones: [MT], codes: [605] },
  { regions: ["TN"], timezone: CT, codes: [615, 629, 731, 901, 931] },
  { regions: ["TN"], timezone: ET, codes: [865] },
  // South-east Tennessee: Bledsoe, Marion and Sequatchie counties keep Central time.
  { regions: ["TN"], timezone: ET, otherTimezones: [CT], codes: [423] },
  {
    regions: ["TX"],
    timezone: CT,
    codes: [
      210, 214, 254, 281, 325, 346, 361, 409, 430, 432, 469, 512, 682, 713, 726, 737, 806, 817, 830,
      832, 903, 936, 940, 945, 956, 972, 979,
    ],
  },
  // El Paso and far west Texas.
  { regions: ["TX"], timezone: MT, codes: [915] },
  { regions: ["UT"], timezone: MT, codes: [385, 435, 801] },
  { regions: ["VT"], timezone: ET, codes: [802] },
  { regions: ["VA"], timezone: ET, codes: [276, 434, 540, 571, 703, 757, 804, 826, 948] },
  { regions: ["WA"], timezone: PT, codes: [206, 253, 360, 425, 509, 564] },
  { regions: ["WV"], timezone: ET, codes: [304, 681] },
  { regions: ["WI"], timezone: CT, codes: [262, 274, 353, 414, 534, 608, 715, 920] },
  { regions: ["WY"], timezone: MT, codes: [307] },
  { regions: ["PR"], timezone: "America/Puerto_Rico", codes: [787, 939] },
  { regions: ["VI"], timezone: "America/St_Thomas", codes: [340] },
  { regions: ["GU"], timezone: "Pacific/Guam", codes: [671] },
  { regions: ["AS"], timezone: "Pacific/Pago_Pago", codes: [684] },
  { regions: ["MP"], timezone: "Pacific/Saipan", codes: [670] },

  // ── Canada ─────────────────────────────────────────────────────────────────────────────────
  { regions: ["AB"], timezone: "America/Edmonton", codes: [368, 403, 587, 780, 825] },
  { regions: ["BC"], timezone: "America/Vancouver", codes: [604] },
  // Province-wide codes: the East Kootenay (Cranbrook) keeps Mountain time.
  { regions: ["BC"], timezone: "America/Vancouver", otherTimezones: ["America/Edmonton"], codes: [236, 250, 257, 672, 778] },
  { regions: ["MB"], timezone: "America/Winnipeg", codes: [204, 431, 584] },
  { regions: ["NB"], timezone: "America/Moncton", codes: [428, 506] },
  // Most of Labrador keeps Atlantic time.
  { regions: ["NL"], timezone: "America/St_Johns", otherTimezones: ["America/Goose_Bay"], codes: [709, 879] },
  { regions: ["NS", "PE"], timezone: "America/Halifax", codes: [782, 902] },
  {
    regions: ["ON"],
    timezone: "America/Toronto",
    codes: [
      226, 249, 289, 343, 365, 382, 416, 437, 519, 548, 613, 647, 683, 705, 742, 753, 905, 942,
    ],
  },
  // North-western Ontario: Thunder Bay is Eastern, Kenora and Fort Frances Central.
  { regions: ["ON"], timezone: "America/Toronto", otherTimezones: ["America/Winnipeg"], codes: [807] },
  {
    regions: ["QC"],
    timezone: "America/Toronto",
    codes: [263, 354, 438, 450, 468, 514, 579, 819, 873],
  },
  // Eastern Quebec: the Magdalen Islands keep Atlantic time.
  { regions: ["QC"], timezone: "America/Toronto", otherTimezones: ["America/Halifax"], codes: [367, 418, 581] },
  { regions: ["SK"], timezone: "America/Regina", codes: [306, 474, 639] },
  // Yukon, Northwest Territories and Nunavut share one code and span four zones.
  {
    regions: ["YT", "NT", "NU"],
    timezone: "America/Whitehorse",
    otherTimezones: ["America/Edmonton", "America/Rankin_Inlet", "America/Iqaluit"],
    codes: [867],
  },
];
