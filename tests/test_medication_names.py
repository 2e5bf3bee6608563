"""The medication normaliser, table-driven: medication lines as clinicians and clients write them, and what the
catalogue must read from each (the generics found), or None where the line must stay unrecognised."""
import pytest

from screening.engine import assess, default_ruleset
from screening.engine.medications import Unmatched

CATALOGUE = default_ruleset().catalogue

SPELLINGS = [
    # --- the lines of issue 12 ---
    ("Nardil 15 mg tid", {"phenelzine"}),
    ("lithium 300 mg bd", {"lithium"}),
    ("sertraline 50mg od", {"sertraline"}),
    ("fluoxetine (Prozac)", {"fluoxetine"}),
    ("amphetamine/dextroamphetamine", {"mixed amphetamine salts"}),
    ("lisdexamfetamine dimesylate", {"lisdexamfetamine"}),
    ("Emsam patch", {"selegiline"}),
    ("St John's Wort extract", {"St John's wort"}),
    ("Tylenol #3", {"paracetamol-codeine"}),
    # --- doses and units ---
    ("Sertraline 100 mg", {"sertraline"}),
    ("sertraline 100mg", {"sertraline"}),
    ("SERTRALINE 25MG", {"sertraline"}),
    ("escitalopram 10 mg", {"escitalopram"}),
    ("Lexapro 20mg", {"escitalopram"}),
    ("citalopram 20 mg daily", {"citalopram"}),
    ("paroxetine 20 mg mane", {"paroxetine"}),
    ("clonazepam 0.5mg", {"clonazepam"}),
    ("clonazepam 0.5 mg bd prn", {"clonazepam"}),
    ("Xanax 0.25 mg prn", {"alprazolam"}),
    ("levothyroxine 100 mcg", {"levothyroxine"}),
    ("levothyroxine 75micrograms od", {"levothyroxine"}),
    ("fentanyl 25 mcg/h patch", {"fentanyl"}),
    ("Butrans 10 microgram/hour patch", {"buprenorphine"}),
    ("Priadel 400mg nocte", {"lithium"}),
    ("lithium carbonate 400 mg at night", {"lithium"}),
    ("Lithium Carbonate ER 450mg BID", {"lithium"}),
    ("Camcolit 250", {"lithium"}),
    ("quetiapine 25 mg", {"quetiapine"}),
    ("venlafaxine 75 mg", {"venlafaxine"}),
    ("tramadol 50mg qds prn", {"tramadol"}),
    ("methylphenidate 10 mg", {"methylphenidate"}),
    ("diazepam 2 mg", {"diazepam"}),
    ("mirtazapine 15 mg", {"mirtazapine"}),
    ("lamotrigine 200 mg", {"lamotrigine"}),
    ("ondansetron 4mg", {"ondansetron"}),
    # --- frequencies ---
    ("sertraline 50 mg once daily", {"sertraline"}),
    ("sertraline 50 mg twice daily", {"sertraline"}),
    ("sertraline 50 mg OD", {"sertraline"}),
    ("quetiapine 25mg nocte", {"quetiapine"}),
    ("quetiapine 25 mg at night", {"quetiapine"}),
    ("zopiclone 7.5 mg on", {"zopiclone"}),
    ("bupropion 150 mg mane", {"bupropion"}),
    ("tramadol 50 mg tds", {"tramadol"}),
    ("tramadol 50 mg TID", {"tramadol"}),
    ("paracetamol 1 g qds", {"paracetamol"}),
    ("ibuprofen 400 mg QID", {"ibuprofen"}),
    ("lorazepam 1mg PRN", {"lorazepam"}),
    ("lorazepam 1 mg as needed", {"lorazepam"}),
    ("Prozac Weekly 90 mg once weekly", {"fluoxetine"}),
    ("Imitrex 100mg prn", {"sumatriptan"}),
    ("sumatriptan 50 mg when required", {"sumatriptan"}),
    ("melatonin 2 mg at bedtime", {"melatonin"}),
    ("propranolol 10mg bd", None),  # not in the catalogue: a beta-blocker with a relevant warning stays out
    ("hydroxyzine 25 mg every night", {"hydroxyzine"}),
    ("olanzapine 5 mg in the evening", {"olanzapine"}),
    ("escitalopram 10mg q.d.", {"escitalopram"}),
    ("Zoloft 50 mg b.i.d.", {"sertraline"}),
    ("linezolid 600mg IV q12h", {"linezolid"}),
    ("Tylenol #3 1-2 tabs q4-6h prn", {"paracetamol-codeine"}),
    ("Paxlovid 300/100 mg bd x5 days", {"nirmatrelvir-ritonavir"}),
    # --- dosage forms and release types ---
    ("Effexor XR", {"venlafaxine"}),
    ("venlafaxine XL 150", {"venlafaxine"}),
    ("Efexor XL 75mg", {"venlafaxine"}),
    ("venlafaxine extended-release capsules", {"venlafaxine"}),
    ("bupropion SR", {"bupropion"}),
    ("Wellbutrin XL 300 mg", {"bupropion"}),
    ("bupropion hydrochloride extended release tablets", {"bupropion"}),
    ("Seroquel XR 50", {"quetiapine"}),
    ("quetiapine modified-release", {"quetiapine"}),
    ("Concerta 36mg", {"methylphenidate"}),
    ("methylphenidate ER", {"methylphenidate"}),
    ("Ritalin LA 20mg caps", {"methylphenidate"}),
    ("Adderall XR 20 mg", {"mixed amphetamine salts"}),
    ("Lithobid ER", {"lithium"}),
    ("lithium CR", {"lithium"}),
    ("Tegretol CR", {"carbamazepine"}),
    ("carbamazepine MR 200", {"carbamazepine"}),
    ("paracetamol tablets 500mg", {"paracetamol"}),
    ("fluoxetine capsules 20 mg", {"fluoxetine"}),
    ("fluoxetine oral solution", {"fluoxetine"}),
    ("sertraline tablet", {"sertraline"}),
    ("Zofran ODT", {"ondansetron"}),
    ("ondansetron orodispersible tablet", {"ondansetron"}),
    ("Emsam 6 mg/24 hr transdermal patch", {"selegiline"}),
    ("selegiline transdermal patch", {"selegiline"}),
    ("risperidone depot injection", {"risperidone"}),
    ("Haldol decanoate injection", {"haloperidol"}),
    ("haloperidol decanoate IM", {"haloperidol"}),
    ("aripiprazole long-acting injection", {"aripiprazole"}),
    ("Abilify Maintena", {"aripiprazole"}),
    ("diazepam rectal gel", {"diazepam"}),
    ("midazolam buccal", {"midazolam"}),
    ("esketamine nasal spray", {"esketamine"}),
    ("Spravato 56 mg", {"esketamine"}),
    ("salbutamol inhaler", {"salbutamol"}),
    ("doxepin cream", {"doxepin"}),
    ("Lamictal XR", {"lamotrigine"}),
    ("lamotrigine dispersible", {"lamotrigine"}),
    # --- salts ---
    ("sertraline hydrochloride", {"sertraline"}),
    ("sertraline HCl 50mg", {"sertraline"}),
    ("fluoxetine hydrochloride", {"fluoxetine"}),
    ("paroxetine mesylate", {"paroxetine"}),
    ("citalopram hydrobromide", {"citalopram"}),
    ("escitalopram oxalate", {"escitalopram"}),
    ("amlodipine besylate", {"amlodipine"}),
    ("amlodipine besilate 5mg", {"amlodipine"}),
    ("fluvoxamine maleate", {"fluvoxamine"}),
    ("sumatriptan succinate injection", {"sumatriptan"}),
    ("zolpidem tartrate", {"zolpidem"}),
    ("hydrocodone bitartrate", {"hydrocodone"}),
    ("dextroamphetamine saccharate", {"dextroamphetamine"}),
    ("levothyroxine sodium", {"levothyroxine"}),
    ("lithium citrate liquid", {"lithium"}),
    ("Lithium Carbonate", {"lithium"}),
    ("quetiapine fumarate", {"quetiapine"}),
    ("metoprolol succinate", None),
    ("tranylcypromine sulfate", {"tranylcypromine"}),
    ("phenelzine sulphate 15mg", {"phenelzine"}),
    ("codeine phosphate 30mg", {"codeine"}),
    ("morphine sulfate MR", {"morphine"}),
    ("divalproex sodium ER", {"divalproex sodium"}),
    ("Divalproex 500mg", {"divalproex sodium"}),
    ("sodium valproate 500 mg", {"sodium valproate"}),
    ("clomipramine hydrochloride", {"clomipramine"}),
    ("duloxetine HCl DR 60mg", {"duloxetine"}),
    ("methadone hydrochloride oral solution", {"methadone"}),
    ("atomoxetine hydrochloride", {"atomoxetine"}),
    # --- brackets: generic (Brand) and Brand (generic) ---
    ("sertraline (Zoloft)", {"sertraline"}),
    ("Zoloft (sertraline) 50mg", {"sertraline"}),
    ("Lustral (sertraline)", {"sertraline"}),
    ("escitalopram (Cipralex) 10 mg", {"escitalopram"}),
    ("Prozac (fluoxetine) 20 mg od", {"fluoxetine"}),
    ("phenelzine (Nardil)", {"phenelzine"}),
    ("Parnate (tranylcypromine)", {"tranylcypromine"}),
    ("Manerix (moclobemide) 150mg bd", {"moclobemide"}),
    ("Elvanse (lisdexamfetamine)", {"lisdexamfetamine"}),
    ("Vyvanse (lisdexamfetamine dimesylate) 30 mg", {"lisdexamfetamine"}),
    ("bupropion (Wellbutrin XL)", {"bupropion"}),
    ("Seroquel (quetiapine)", {"quetiapine"}),
    ("Imigran (sumatriptan)", {"sumatriptan"}),
    ("Strattera (atomoxetine)", {"atomoxetine"}),
    ("Synthroid (levothyroxine)", {"levothyroxine"}),
    ("sertraline (for anxiety)", None),
    # --- combinations written out, each part matched ---
    ("buprenorphine/naloxone", {"buprenorphine-naloxone"}),
    ("buprenorphine/naloxone 8/2 mg SL", {"buprenorphine-naloxone"}),
    ("Suboxone film", {"buprenorphine-naloxone"}),
    ("dextroamphetamine/amphetamine", {"mixed amphetamine salts"}),
    ("amphetamine-dextroamphetamine ER", {"mixed amphetamine salts"}),
    ("sertraline + quetiapine", {"sertraline", "quetiapine"}),
    ("sertraline and lithium", {"sertraline", "lithium"}),
    ("fluoxetine with olanzapine", {"fluoxetine", "olanzapine"}),
    ("olanzapine/fluoxetine", {"olanzapine-fluoxetine"}),
    ("paracetamol/codeine 500/30", {"paracetamol-codeine"}),
    ("acetaminophen/codeine", {"paracetamol-codeine"}),
    ("paracetamol + tramadol", {"paracetamol-tramadol"}),
    ("losartan/hydrochlorothiazide", {"losartan-hydrochlorothiazide"}),
    ("lisinopril + HCTZ", {"lisinopril", "hydrochlorothiazide"}),
    ("nirmatrelvir/ritonavir", {"nirmatrelvir-ritonavir"}),
    ("lopinavir/ritonavir", {"lopinavir-ritonavir"}),
    ("darunavir/cobicistat", {"darunavir-cobicistat"}),
    ("elvitegravir/cobicistat/emtricitabine/tenofovir alafenamide",
     {"elvitegravir-cobicistat-emtricitabine-tenofovir"}),
    ("emtricitabine/tenofovir", {"emtricitabine-tenofovir"}),
    ("tenofovir disoproxil + emtricitabine + dolutegravir", {"tenofovir", "emtricitabine", "dolutegravir"}),
    ("ritonavir 100 mg + darunavir 800 mg", {"ritonavir", "darunavir"}),
    ("sertraline/unknownazine", None),
    ("sertraline + Qwertazine", None),
    ("lithium and something else", None),
    # --- combination products by brand, each carrying its ingredients' classes ---
    ("Tylenol No. 3", {"paracetamol-codeine"}),
    ("Tylenol 3", {"paracetamol-codeine"}),
    ("Tylenol with Codeine #4", {"paracetamol-codeine"}),
    ("co-codamol 30/500", {"paracetamol-codeine"}),
    ("Co-Codamol 8/500 mg tablets", {"paracetamol-codeine"}),
    ("cocodamol", {"paracetamol-codeine"}),
    ("Solpadeine Plus", {"paracetamol-codeine"}),
    ("Nurofen Plus", {"ibuprofen-codeine"}),
    ("co-dydramol", {"paracetamol-dihydrocodeine"}),
    ("Tramacet", {"paracetamol-tramadol"}),
    ("Ultracet", {"paracetamol-tramadol"}),
    ("Percocet 5/325", {"oxycodone-paracetamol"}),
    ("Vicodin", {"hydrocodone-paracetamol"}),
    ("Norco 10/325", {"hydrocodone-paracetamol"}),
    ("Paxlovid", {"nirmatrelvir-ritonavir"}),
    ("Kaletra", {"lopinavir-ritonavir"}),
    ("Genvoya", {"elvitegravir-cobicistat-emtricitabine-tenofovir"}),
    ("Stribild", {"elvitegravir-cobicistat-emtricitabine-tenofovir"}),
    ("Symtuza", {"darunavir-cobicistat-emtricitabine-tenofovir"}),
    ("Prezcobix", {"darunavir-cobicistat"}),
    ("Evotaz", {"atazanavir-cobicistat"}),
    ("Adderall", {"mixed amphetamine salts"}),
    ("Symbyax", {"olanzapine-fluoxetine"}),
    ("Auvelity", {"dextromethorphan-bupropion"}),
    ("Contrave", {"naltrexone-bupropion"}),
    ("Mysimba", {"naltrexone-bupropion"}),
    ("Treximet", {"sumatriptan-naproxen"}),
    ("Tylenol PM", {"paracetamol-diphenhydramine"}),
    ("Fioricet", {"butalbital-paracetamol-caffeine"}),
    ("Cafergot", {"ergotamine-caffeine"}),
    ("Claritin-D", {"loratadine-pseudoephedrine"}),
    ("Hyzaar", {"losartan-hydrochlorothiazide"}),
    ("NyQuil 30ml at night", {"paracetamol-dextromethorphan-doxylamine"}),
    ("Night Nurse", {"paracetamol-promethazine-dextromethorphan"}),
    # --- herbal forms ---
    ("St. John's Wort", {"St John's wort"}),
    ("St Johns Wort 300mg", {"St John's wort"}),
    ("Saint John's wort tea", {"St John's wort"}),
    ("hypericum tincture", {"St John's wort"}),
    ("St John's wort extract 900 mg daily", {"St John's wort"}),
    ("Syrian rue", {"Syrian rue"}),
    ("Peganum harmala seeds", None),
    ("kava extract", {"kava"}),
    ("valerian root", {"valerian"}),
    ("valerian root tea at night", {"valerian"}),
    ("ashwagandha extract", {"ashwagandha"}),
    ("ginkgo biloba extract", {"ginkgo"}),
    ("kratom powder", {"kratom"}),
    ("CBD oil", {"cannabidiol"}),
    ("5-HTP 100mg", {"5-HTP"}),
    ("L-tryptophan 500 mg", {"L-tryptophan"}),
    ("passionflower tincture", {"passionflower"}),
    ("lithium orotate supplement", {"lithium orotate"}),
    ("dextromethorphan cough syrup", {"dextromethorphan"}),
    ("cannabis (THC oil)", {"cannabis"}),
    ("ritonavir-boosted darunavir", {"ritonavir", "darunavir"}),
    # --- brands in several countries ---
    ("Lustral 50mg", {"sertraline"}),
    ("Cipramil", {"citalopram"}),
    ("Seroxat 20 mg", {"paroxetine"}),
    ("Faverin", {"fluvoxamine"}),
    ("Efexor", {"venlafaxine"}),
    ("Zispin SolTab", {"mirtazapine"}),
    ("Molipaxin", {"trazodone"}),
    ("Zydol SR", {"tramadol"}),
    ("Palexia SR", {"tapentadol"}),
    ("Imigran Radis", {"sumatriptan"}),
    ("Maxalt Melt", {"rizatriptan"}),
    ("Zomig Rapimelt", {"zolmitriptan"}),
    ("Elvanse Adult", {"lisdexamfetamine"}),
    ("Equasym XL", {"methylphenidate"}),
    ("Medikinet XL", {"methylphenidate"}),
    ("Rivotril", {"clonazepam"}),
    ("Stilnoct", {"zolpidem"}),
    ("Zimovane", {"zopiclone"}),
    ("Epilim Chrono", {"sodium valproate"}),
    ("Priadel liquid", {"lithium"}),
    ("Uniphyllin Continus 200mg", {"theophylline"}),
    ("Eltroxin", {"levothyroxine"}),
    ("Euthyrox 50", {"levothyroxine"}),
    ("Cytomel", {"liothyronine"}),
    ("Armour Thyroid", {"desiccated thyroid"}),
    ("Brintellix", {"vortioxetine"}),
    ("Trintellix 10mg", {"vortioxetine"}),
    ("Aurorix", {"moclobemide"}),
    ("Xeplion", {"paliperidone"}),
    ("Norvir", {"ritonavir"}),
    ("Tybost", {"cobicistat"}),
    ("Demerol", {"meperidine"}),
    ("pethidine injection", {"meperidine"}),
    ("Strattera 40mg", {"atomoxetine"}),
    ("Desmotabs", {"desmopressin"}),
    ("DDAVP nasal spray", {"desmopressin"}),
    ("bendroflumethiazide 2.5mg", {"bendroflumethiazide"}),
    ("Tagamet HB", {"cimetidine"}),
    ("No-Doz", {"caffeine"}),
    ("Pro Plus", {"caffeine"}),
    ("Ventolin inhaler 2 puffs prn", {"salbutamol"}),
    ("Quilonum retard 450 mg", {"lithium"}),
    ("Teralithe 400", {"lithium"}),
    ("Deroxat 20 mg", {"paroxetine"}),
    ("Seroplex 10mg", {"escitalopram"}),
    ("Nardelzine", {"phenelzine"}),
    ("Jatrosom 10 mg", {"tranylcypromine"}),
    ("Tramal 50", {"tramadol"}),
    ("Jarsin 300", {"St John's wort"}),
    ("albuterol HFA", {"salbutamol"}),
    # --- misspellings: never matched, only suggested ---
    ("sertralin", None),
    ("Setraline 50mg", None),
    ("fluoxetin", None),
    ("quetiapin", None),
    ("Seroqel", None),
    ("lithum", None),
    ("phenelzin 15 mg", None),
    ("amitriptylin", None),
    # --- a catalogue name never loses a time of day or a joiner: these are other products ---
    ("Day Nurse", None),
    ("Canesten cream", None),
    ("Solpadeine Headache", None),
    # --- lines that name no medicine ---
    ("50 mg", None),
    ("tablets", None),
    ("Qwertazine 20 mg", None),
]

SUGGESTIONS = [
    ("sertralin", "sertraline"),
    ("Setraline 50mg", "sertraline"),
    ("fluoxetin", "fluoxetine"),
    ("quetiapin", "quetiapine"),
    ("Seroqel", "Seroquel"),
    ("lithum", "lithium"),
    ("phenelzin 15 mg", "phenelzine"),
    ("amitriptylin", "amitriptyline"),
    ("St Jons wort", "St John's wort"),
]


def test_the_table_holds_at_least_150_spellings():
    assert len(SPELLINGS) >= 150
    assert len({line for line, _ in SPELLINGS}) == len(SPELLINGS)


@pytest.mark.parametrize("line, generics", SPELLINGS, ids=[line for line, _ in SPELLINGS])
def test_a_line_is_read_as_written(line, generics):
    read = CATALOGUE.read(line)
    if generics is None:
        assert isinstance(read, Unmatched), (line, read)
    else:
        assert not isinstance(read, Unmatched), (line, read)
        assert {m.generic for m in read} == generics


@pytest.mark.parametrize("line, suggestion", SUGGESTIONS)
def test_a_close_misspelling_gets_a_suggestion_and_no_match(line, suggestion):
    read = CATALOGUE.read(line)
    assert isinstance(read, Unmatched) and read.suggestion == suggestion
    assessment = assess({"substances": ["mdma"], "medications": [line]})
    assert assessment["medications"]["recognised"] == []
    assert assessment["medications"]["suggestions"] == [{"input": line, "suggestion": suggestion}]
    flag = next(f for f in assessment["flags"] if f["factor"] == "unrecognised_medication")
    assert flag["evidence"] == [f"{line} (did you mean {suggestion}?)"]


def test_an_unknown_word_gets_no_suggestion_from_a_known_one_beside_it():
    assert CATALOGUE.read("sertraline + zzz").suggestion is None
    assert CATALOGUE.read("xyzzy").suggestion is None


@pytest.mark.parametrize("line, classes", [
    ("Tylenol #3", {"opioid"}),
    ("Paxlovid", {"cyp_booster"}),
    ("Genvoya", {"cyp_booster"}),
    ("Symtuza", {"cyp_booster", "cyp3a4_inhibitor", "cyp2d6_inhibitor"}),
    ("Suboxone", {"opioid"}),
    ("Adderall", {"stimulant"}),
    ("Symbyax", {"ssri", "antipsychotic", "cyp2d6_inhibitor"}),
    ("Auvelity", {"serotonergic", "maoi_interacting", "cyp2d6_inhibitor"}),
    ("Fioricet", {"sedative", "hand_check"}),
    ("Treximet", {"triptan"}),
    ("Hyzaar", {"sodium_lowering"}),
    ("NyQuil", {"serotonergic", "sedative"}),
])
def test_a_combination_product_carries_every_ingredients_classes(line, classes):
    (med,) = CATALOGUE.read(line)
    assert classes <= set(med.classes)
    for generic in med.ingredients:
        ingredient = next(m for m in CATALOGUE.medications if m.generic == generic)
        assert set(ingredient.classes) <= set(med.classes)


def test_each_part_of_a_combination_is_listed_and_raises_its_own_rules():
    assessment = assess({"substances": ["mdma"], "medications": ["sertraline + Nardil 15 mg tid"]})
    assert [(m["input"], m["generic"]) for m in assessment["medications"]["recognised"]] == [
        ("sertraline + Nardil 15 mg tid", "sertraline"), ("sertraline + Nardil 15 mg tid", "phenelzine")]
    rules = {f["rule"] for f in assessment["flags"]}
    assert {"maoi-mdma", "serotonergic-mdma"} <= rules


def test_an_unknown_part_leaves_the_whole_line_unrecognised_and_raises_nothing_else():
    assessment = assess({"substances": ["mdma"], "medications": ["Nardil + Qwertazine"]})
    assert assessment["medications"]["unrecognised"] == ["Nardil + Qwertazine"]
    assert [f["rule"] for f in assessment["flags"]] == ["unrecognised-medication"]
