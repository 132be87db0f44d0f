"""The shipped training corpus, generated from templates and word lists (deterministic from
the seed): ``python -m tongxin.cases.suggest.corpus`` writes ``data/train.tsv``.

Every default leaf category gets its own complaint cores (what residents say about it), wrapped
in places, times, moods, dialect particles and typos, sometimes with a second, lesser topic.
Beside it the model learns from ``data/handwritten.tsv`` (texts written by hand, among them the
first pass's held-out set, whose mistakes were read to write ``corpus_more``). The
second held-out set (``data/heldout.tsv``) is NOT made here and never trained on; since the third
pass it is the development set (its mistakes were read to write ``corpus_third``). The test set
(``data/test.tsv``), written by hand and frozen before the third pass, is never trained on nor
read for mistakes: the accuracy measured on it says something about texts never seen.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from .corpus_more import MORE_CORES
from .corpus_third import THIRD_CORES

# i18n-data: everything below is training data in the residents' language, not UI text.
# fmt: off
CORES: dict[str, list[str]] = {
    "env.garbage": [
        "垃圾桶满了没人清", "垃圾堆成山了", "垃圾几天没人拉走", "垃圾站臭气熏天", "垃圾车好几天没来", "垃圾箱溢出来了满地都是", "厨余垃圾没人收",
        "垃圾房门口堆满袋子", "垃圾清运不及时", "垃圾桶坏了盖子都没有", "建筑垃圾倒在路边", "大件垃圾扔在门口没人管", "垃圾分类点乱七八糟", "垃圾桶旁边全是苍蝇",
        "收垃圾的好久没来了", "生活垃圾到处都是", "垃圾池满了往外冒", "垃圾中转站味道太大", "装修垃圾堆在小区空地", "垃圾桶被推到路中间",
    ],
    "env.litter": [
        "楼道里堆满杂物", "楼梯间堆了好多纸箱", "邻居把旧家具放在楼道", "过道被杂物堵住了", "楼道堆的东西挡路", "消防楼梯堆满破烂", "有人在楼道里放鞋柜和花盆",
        "楼道里堆了废品好几个月", "走廊被堆满了纸壳子", "单元门口堆着旧沙发", "楼道里的杂物一直不清", "地下室通道堆满杂物", "楼梯拐角放了一堆泡沫箱",
        "楼道堆放的杂物有味道", "公共走道被人占了放东西",
    ],
    "env.pests": [
        "老鼠太多了", "家里和楼道蟑螂成灾", "晚上老鼠到处跑", "蚊子特别多咬人", "绿化带里全是老鼠洞", "苍蝇蚊子多希望来消杀", "小区好久没有灭鼠了",
        "下水井里爬出好多蟑螂", "老鼠把电线都咬了", "地下室有老鼠窝", "夏天蚊虫太多能不能打药", "垃圾站附近老鼠成群", "飞蛾和小黑虫很多", "申请做一次消杀",
        "白天都能看到老鼠乱窜",
    ],
    "municipal.manhole": [
        "井盖丢了", "路上有个井盖不见了很危险", "井盖破了个大洞", "井盖松动踩上去晃", "井盖翘起来了", "窨井盖缺失差点摔倒", "井盖被车压碎了", "雨水井盖没了",
        "人行道上的井盖塌了", "井盖响得厉害晚上吵", "井口敞着没有盖子", "井盖移位了露个缝", "污水井盖裂开了", "井盖下沉形成坑", "有个井盖被人偷了",
    ],
    "municipal.streetlight": [
        "路灯不亮", "路灯坏了晚上黑漆漆的", "路灯一闪一闪的", "整条路的路灯都灭了", "路灯白天还亮着浪费电", "路灯杆歪了快倒了", "晚上走路太黑路灯好久没修",
        "路灯线路裸露", "小区门口那盏灯坏了", "街灯不亮了", "路灯灯罩掉了", "夜里路灯全黑", "路灯时亮时不亮", "路灯杆被车撞了", "这段路没有照明太暗了",
    ],
    "municipal.road": [
        "路面坑坑洼洼", "马路上有个大坑", "道路破损严重", "路面塌陷了", "人行道砖松了一踩溅一身水", "路面开裂", "下雨路上全是积水坑", "道路沉降车都开不了",
        "人行道地砖翘起来绊倒老人", "马路被挖开了一直没填", "路沿石坏了", "道路修了一半停工了", "路面凹凸不平骑车摔跤", "柏油路面起皮了", "施工后路面没恢复",
    ],
    "municipal.sewer": [
        "下水道堵了", "污水冒出来了", "下水道反味臭得不行", "雨水管堵塞一下雨就淹", "化粪池满了往外溢", "污水管道破了", "下水井堵塞", "路边排水沟堵了",
        "楼下污水横流", "一楼下水道返水", "排污管道漏了", "下雨天路口积水排不出去", "下水管网老化经常堵", "污水井冒水", "排水不畅",
    ],
    "property.repair": [
        "单元门门禁坏了", "楼道灯坏了没人修", "楼顶漏水物业不管", "对讲门铃不好使", "单元门关不上", "小区大门道闸坏了", "楼道窗户玻璃碎了", "公共水管漏水",
        "健身器材坏了", "楼道扶手松了", "单元门锁坏了谁都能进", "地下车库的灯坏了一半", "外墙瓷砖掉了", "楼道墙皮脱落", "监控坏了物业也不修", "屋面防水坏了",
    ],
    "property.elevator": [
        "电梯坏了", "电梯停运好几天了", "电梯困人了", "电梯异响晃得厉害", "电梯门关不上", "电梯按钮失灵", "电梯经常出故障", "电梯停在两层之间",
        "电梯里的灯不亮", "电梯突然往下掉了一下吓死人", "电梯年检过期了", "电梯维保不到位", "电梯门夹人", "电梯报警按钮没人应", "老人住高层电梯停了下不了楼",
    ],
    "property.fee": [
        "物业费涨价没有通知", "物业乱收费", "物业收停车费不合理", "物业费收了服务跟不上", "物业强制收装修押金", "公摊电费算得不清楚", "物业多收了水电费",
        "物业费凭什么涨", "物业收费不公示", "交了物业费还要收垃圾费", "维修基金怎么用的不公开", "物业扣着押金不退", "物业费催缴态度恶劣", "物业收费标准不透明",
        "新物业要求预交一年费用",
    ],
    "dispute": [
        "和邻居吵起来了", "楼上漏水到我家邻居不管", "邻居占了公共区域", "邻居家的狗天天叫", "对门把鞋架放我门口", "邻居空调外机对着我家窗户", "楼上往下扔东西",
        "邻居养鸽子弄得到处是鸟屎", "和邻居因为车位闹矛盾", "邻居种菜占了公共绿地", "楼上的水管漏水邻居拒绝维修", "邻居家狗随地大小便", "邻居之间因为晾衣服吵架",
        "隔壁装修把我家墙弄裂了", "邻里之间有矛盾需要调解",
    ],
    "family": [
        "家里老人和子女闹矛盾", "夫妻吵架闹离婚", "儿子不赡养老人", "家里兄弟为房子争吵", "丈夫打老婆", "婆媳矛盾很深", "家暴", "父母离婚孩子没人管",
        "家里为了拆迁款闹翻了", "子女不给老人生活费", "老公喝醉了就动手", "家庭矛盾需要调解", "儿媳把婆婆赶出家门", "兄妹分遗产打起来了", "孩子和父母天天吵",
    ],
    "safety.fire_hazard": [
        "电动车在楼道充电", "有人飞线充电", "消防通道被堵了", "消防栓里没有水", "灭火器过期了", "楼道里电瓶车充电很危险", "消防门被锁住了",
        "私拉电线给电动车充电", "电动车推进电梯", "消防通道停满了车", "楼里烟感坏了", "安全出口被堵", "地下室堆了易燃物", "小饭馆煤气罐乱放", "消防设施损坏",
    ],
    "safety.order": [
        "小区里有人偷东西", "电动车被偷了", "晚上有人打架", "有陌生人在楼道转悠", "有人在小区门口聚众赌博", "出租屋里人员复杂", "遇到诈骗了",
        "有人半夜砸车窗", "有人贴小广告还撬锁", "小区里有人吸毒", "门口有人闹事", "家门口被人泼油漆", "电瓶被偷了", "有人跟踪女孩子", "快递被人偷了好几次",
    ],
    "traffic": [
        "乱停车堵路", "车停在消防通道上", "路口没有红绿灯很危险", "有车长期占着路边", "小区门口车辆乱停", "停车位太少", "僵尸车停了一年没人管",
        "大货车半夜过往", "路口太堵需要交警", "车辆逆行", "共享单车堆满人行道", "学校门口接孩子的车堵成一团", "车把盲道占了", "有人私设地锁占车位",
        "路口斑马线都看不见了",
    ],
    "illegal_build": [
        "有人私搭乱建", "楼顶加盖了一层", "一楼住户私自扩建院子", "违章建筑挡住采光", "有人在绿地上盖房子", "阳台外扩违建", "楼下私自搭了彩钢棚",
        "有人在公共空间搭建小屋", "顶楼住户搭阳光房", "违建占了消防通道", "私自破墙开门做生意", "围墙外搭了个棚子", "院子里乱搭乱盖", "违章搭建一直没拆",
        "有人私自改建地下室",
    ],
    "street_vending": [
        "小摊贩占道经营", "门口摆摊卖菜", "商户把货物摆到人行道上", "烧烤摊占道还有油烟", "流动摊贩堵路", "夜市摆摊到半夜", "店铺出店经营",
        "早点摊占了人行道", "水果摊摆到马路上", "路边修车铺占道", "小贩推车堵在小区门口", "餐馆把桌子摆到外面", "商铺门口乱堆货物", "马路市场脏乱差",
        "占道卖东西影响通行",
    ],
    "noise": [
        "楼上装修太吵", "广场舞音响太大声", "半夜有人唱歌", "工地晚上施工噪音大", "邻居家天天吵闹", "酒吧音乐太吵睡不着", "一大早就开始电钻",
        "商铺喇叭一直喊", "夜里施工吵得没法睡", "楼上小孩跑跳声音太大", "噪音扰民", "空调外机噪音", "麻将声吵到凌晨", "周末早上装修电锤", "高音喇叭扰民",
    ],
    "greening": [
        "树枝太长挡住窗户", "绿化带没人修剪", "大树快倒了", "草坪被踩秃了", "树木遮挡阳光", "小区绿化被破坏", "枯树要砍掉", "树上有虫子掉下来",
        "花坛里杂草丛生", "行道树歪了", "绿地被人毁了种菜", "树根把路面顶起来了", "需要补种树苗", "绿化带里长满野草", "台风后树倒了压在路上",
    ],
    "utilities.water": [
        "停水了", "自来水发黄", "水压太小楼上没水", "水管爆了", "停水也不通知", "自来水有异味", "水表坏了", "供水管道漏水", "高层水压不够",
        "水龙头流出来的水浑浊", "突然没水了", "二次供水水箱脏", "水费账单不对", "总水管在冒水", "好几天断断续续停水",
    ],
    "utilities.power": [
        "停电了", "经常跳闸断电", "电压不稳灯一闪一闪", "整栋楼没电", "电表箱冒烟", "停电也不提前通知", "电线老化", "变压器响声很大", "电费突然涨了很多",
        "小区一停电就半天", "入户电线被烧了", "电力线垂得很低", "电表走得特别快", "又停电了冰箱东西都坏了", "配电箱门开着很危险",
    ],
    "utilities.gas": [
        "燃气泄漏", "闻到煤气味", "天然气停了", "燃气表坏了", "燃气管道老化", "燃气灶打不着火", "天然气费太贵", "燃气管道生锈", "燃气公司上门检查收费",
        "煤气管子漏气", "燃气报警器响了", "天然气开通要等很久", "燃气压力不够", "燃气阀门关不上", "楼道里有股燃气味",
    ],
    "housing_safety": [
        "房子墙体开裂", "楼房倾斜", "老房子随时会塌", "阳台裂缝越来越大", "屋顶掉水泥块", "危房住着不安全", "承重墙被拆了", "楼板开裂",
        "外墙空鼓随时可能掉", "房屋地基下沉", "墙面大面积裂缝", "楼梯踏步断了", "老楼屋梁腐朽了", "楼下商铺拆承重墙", "房屋鉴定为危房没人管",
    ],
    "livelihood.dibao": [
        "申请低保怎么办", "低保没批下来", "低保金没发", "家里困难想吃低保", "低保被取消了", "低保审核要什么材料", "低保金少了", "特困供养怎么申请",
        "低保年审的事", "失业后能不能办低保", "低保边缘户有什么补助", "低保复核通知", "低保户的救助金没到账", "临时救助怎么申请", "低保户医疗救助",
    ],
    "livelihood.elderly": [
        "老人的养老金没到账", "高龄补贴怎么申请", "想给老人申请养老院", "老年食堂什么时候开", "养老服务补贴", "居家养老服务怎么预约", "老人需要助餐",
        "日间照料中心", "养老金认证不会操作", "高龄津贴停发了", "社区养老驿站", "老人想报名老年大学", "养老保险怎么续交", "老人护理补贴", "退休金少发了",
    ],
    "livelihood.medical_insurance": [
        "医保怎么交", "医保卡丢了", "居民医保缴费", "医保报销比例", "医保转移接续", "门诊慢特病怎么申请", "医保卡不能用了", "异地就医备案",
        "新生儿医保办理", "医保断缴了", "医保报销材料", "医保个人账户", "城乡居民医保交费时间", "大病保险报销", "医保电子凭证",
    ],
    "livelihood.employment": [
        "找工作", "失业登记", "失业金怎么领", "有没有招聘信息", "想参加技能培训", "灵活就业社保", "被拖欠工资", "创业贷款", "就业困难人员认定",
        "公益性岗位", "老板不发工资", "毕业生就业登记", "求职", "四零五零人员就业", "社区有没有工作机会",
    ],
    "livelihood.certificate": [
        "开居住证明", "开无犯罪证明", "开证明要什么材料", "办居住证", "开亲属关系证明", "开无房证明", "户口迁移证明", "开证明盖章", "开在读证明",
        "开死亡证明", "开单身证明", "开收入证明", "开出生证明", "开独生子女证明", "开养老认证证明",
    ],
    "elderly_disabled": [
        "独居老人没人照顾", "残疾人出行不方便", "老人摔倒了需要帮助", "孤寡老人家里没人管", "残疾人补贴", "老人生活不能自理", "家里有残疾人需要帮扶",
        "想申请轮椅", "空巢老人需要探访", "残疾证办理", "老人走失了", "无障碍坡道坏了", "老人需要上门服务", "助残服务", "老人一个人住好几天没出门",
    ],
    "emergency": [
        "着火了", "有人晕倒了", "楼里冒浓烟", "有人要跳楼", "水管爆裂家里淹了", "有人被困", "出车祸了有人受伤", "暴雨内涝车被淹", "墙倒了砸到人",
        "有人溺水", "煤气爆炸", "小孩掉进水里", "突然地面塌陷有人掉下去", "大树倒了砸了车", "有人触电",
    ],
    "suggestion": [
        "建议增加健身设施", "建议小区多装几个充电桩", "希望社区多办活动", "建议增设休息座椅", "希望加装电梯", "建议增加停车位", "社区服务很好表扬一下",
        "建议开设四点半课堂", "希望增加快递柜", "建议装个便民雨棚", "建议公交站加个站点", "希望办理时间延长", "给社区提个意见", "建议加强宣传",
        "希望多开设老年人的课程",
    ],
}
# fmt: on


# More words residents use for each category (synonyms, slang, related objects), each said in
# a few short ways (``SAYINGS``): widens the vocabulary beyond the cores.
# fmt: off
WORDS: dict[str, list[str]] = {
    "env.garbage": [
        "垃圾桶", "垃圾箱", "环卫车", "清洁工", "收集点", "垃圾袋", "垃圾房", "厨余", "剩饭剩菜", "环卫工人", "保洁", "臭气",
    ],
    "env.litter": [
        "楼道", "过道", "走廊", "楼梯间", "杂物", "破烂", "纸板", "旧家具", "旧冰箱", "童车", "废品", "堆物", "公共部位",
    ],
    "env.pests": [
        "耗子", "老鼠", "小强", "蟑螂", "蚊子", "苍蝇", "白蚁", "臭虫", "跳蚤", "消杀", "灭鼠", "打药", "鼠洞",
    ],
    "municipal.manhole": [
        "井盖", "窨井", "检查井", "盖板", "铁盖子", "雨水井", "污水井", "井口", "井圈",
    ],
    "municipal.streetlight": [
        "路灯", "街灯", "灯杆", "照明", "灯泡", "夜里黑", "路灯线", "景观灯",
    ],
    "municipal.road": [
        "路面", "坑洼", "马路", "人行道", "便道", "地砖", "路牙子", "沥青", "柏油路", "塌陷", "裂缝", "积水坑",
    ],
    "municipal.sewer": [
        "下水道", "排水口", "雨水口", "地漏", "化粪池", "污水管", "排水沟", "淤泥", "返水", "管道堵塞", "黑水",
    ],
    "property.repair": [
        "门禁", "刷卡", "声控灯", "对讲", "道闸", "栏杆", "闭门器", "楼顶渗水", "物业维修", "健身器材", "监控", "地库灯",
    ],
    "property.elevator": [
        "电梯", "升降梯", "轿厢", "困梯", "不停层", "维保", "电梯年检", "电梯门", "电梯按钮", "爬楼",
    ],
    "property.fee": [
        "物业费", "物管费", "管理费", "停车费", "押金", "保证金", "维修资金", "公摊", "催费", "收费", "涨价",
    ],
    "dispute": [
        "邻居", "对门", "楼上楼下", "隔壁", "调解", "吵架", "矛盾", "不听劝", "赔偿", "扯皮",
    ],
    "family": [
        "老公", "老婆", "儿子", "女儿", "儿媳", "婆婆", "继承", "抚养费", "赡养", "离婚", "家暴", "兄弟姐妹",
    ],
    "safety.fire_hazard": [
        "电瓶车", "电动车", "充电", "飞线", "插线板", "消防通道", "消火栓", "灭火器", "安全出口", "疏散指示", "易燃物", "油桶",
    ],
    "safety.order": [
        "小偷", "被偷", "撬锁", "诈骗", "骗子", "赌博", "打架", "斗殴", "陌生人", "传销", "闹事", "报警",
    ],
    "traffic": [
        "乱停车", "停车", "车位", "僵尸车", "红绿灯", "信号灯", "交警", "堵车", "大货车", "地锁", "共享单车", "路口",
    ],
    "illegal_build": [
        "违建", "违章", "私搭", "加盖", "扩建", "彩钢棚", "铁皮房", "阳光房", "破墙开门", "搭棚子", "圈地",
    ],
    "street_vending": [
        "摆摊", "摊贩", "占道", "出店经营", "流动摊", "夜市", "推车", "烧烤摊", "卖菜", "便道经营", "货架",
    ],
    "noise": [
        "噪音", "吵", "装修", "电钻", "广场舞", "音响", "喇叭", "打桩", "施工", "喧哗", "半夜", "睡不着",
    ],
    "greening": [
        "树", "树枝", "树木", "草坪", "绿化带", "灌木", "花坛", "杂草", "枯树", "修剪", "毛毛虫", "树根",
    ],
    "utilities.water": [
        "停水", "自来水", "水压", "水管", "水表", "水箱", "水龙头", "水质", "水费", "黄水", "没水",
    ],
    "utilities.power": [
        "停电", "断电", "跳闸", "电压", "配电", "电表", "电线", "电费", "变压器", "供电局", "没电",
    ],
    "utilities.gas": [
        "燃气", "天然气", "煤气", "漏气", "燃气表", "燃气管", "灶", "报警器", "气压", "燃气公司",
    ],
    "housing_safety": [
        "墙体", "裂缝", "承重墙", "危房", "倾斜", "楼板", "钢筋", "空鼓", "下沉", "房屋鉴定", "掉水泥",
    ],
    "livelihood.dibao": [
        "低保", "最低生活保障", "救助", "特困", "困难户", "低保金", "临时救助", "困难补助",
    ],
    "livelihood.elderly": [
        "养老", "高龄补贴", "高龄津贴", "敬老院", "养老院", "助餐", "日托", "退休金", "养老认证", "居家养老",
    ],
    "livelihood.medical_insurance": [
        "医保", "医疗保险", "报销", "医保卡", "异地就医", "慢性病", "门诊", "住院", "医保码",
    ],
    "livelihood.employment": [
        "工作", "就业", "失业", "招聘", "培训", "工资", "欠薪", "工钱", "创业", "岗位", "下岗",
    ],
    "livelihood.certificate": [
        "证明", "开证明", "盖章", "居住证", "户口", "无犯罪", "亲属关系", "未婚", "材料",
    ],
    "elderly_disabled": [
        "孤老", "独居老人", "空巢", "残疾", "残疾证", "轮椅", "盲道", "无障碍", "瘫痪", "失能", "上门探望",
    ],
    "emergency": [
        "着火", "失火", "冒烟", "爆炸", "晕倒", "落水", "溺水", "被困", "受伤", "流血", "触电", "淹了", "塌了",
    ],
    "suggestion": [
        "建议", "希望", "意见", "能不能", "提议", "表扬", "点赞", "增设", "加装", "多组织",
    ],
}
# fmt: on
# fmt: off
SAYINGS = [
    "{w}的问题", "{w}有问题", "关于{w}", "{w}的事", "{w}这块没人管", "反映{w}", "咨询{w}", "{w}，{v}", "{v}，{w}",
    "{w}怎么回事",
]
# fmt: on

# fmt: off
PLACES = [
    "", "", "我们小区", "我家楼下", "3号楼", "12栋2单元", "小区东门", "菜市场旁边", "学校门口", "幸福里", "桑园南小区", "老楼那边",
    "公园边上", "我们单元", "对面楼", "5号楼后面", "路口", "地下车库", "幼儿园附近", "巷子里", "胡同口", "超市门口", "家门口",
]
# fmt: on
# fmt: off
TIMES = [
    "", "", "", "这几天", "昨晚", "今天早上", "已经一个星期了", "好几天了", "最近", "一直", "半个月了", "天天", "每天晚上", "从上周开始",
    "刚才",
]
# fmt: on
# fmt: off
OPENERS = [
    "", "", "", "你好，", "您好，", "我要反映，", "麻烦问一下，", "喂，", "我想反映个事，", "同志，",
]
# fmt: on
# fmt: off
TAILS = [
    "", "", "", "麻烦尽快处理", "希望有人管管", "打了好几次电话都没用", "谢谢", "请尽快解决", "太影响生活了", "赶紧来看看吧", "到底有没有人管",
    "急！", "老人小孩都不安全", "谢谢社区", "请领导重视", "拜托了", "看看能不能解决",
]
# fmt: on
PARTICLES = ["", "", "", "", "啊", "呀", "嘛", "哈", "咯", "噻", "撒", "哦", "呢", "啦"]
# fmt: off
DIALECT = [
    ("没人", "冇人"), ("什么", "啥"), ("怎么", "咋"), ("这里", "这旮旯"), ("不知道", "不晓得"), ("很", "老"),
    ("非常", "贼"), ("一直", "老是"), ("好几天", "好些天"), ("了", "咧"), ("没有", "莫得"), ("干什么", "弄啥"),
    ("看看", "瞅瞅"), ("这个", "这"),
]
# fmt: on
# fmt: off
TYPOS = [
    ("垃圾", "拉圾"), ("物业", "物页"), ("电梯", "电题"), ("噪音", "燥音"), ("下水道", "下水到"), ("停车", "亭车"),
    ("井盖", "井概"), ("路灯", "路等"), ("装修", "装休"), ("漏水", "露水"), ("低保", "低宝"), ("证明", "正明"),
    ("老鼠", "老属"), ("燃气", "然气"), ("危险", "危线"), ("邻居", "林居"), ("反映", "反应"), ("处理", "出理"),
    ("楼道", "楼到"), ("消防", "消方"), ("已经", "以经"), ("应该", "因该"), ("在", "再"), ("的", "得"),
]
# fmt: on
JOINERS = ["", "，", "，", "。", " ", "！"]


for _code, _more in MORE_CORES.items():
    CORES[_code] = CORES[_code] + _more
for _code, _more in THIRD_CORES.items():
    CORES[_code] = CORES[_code] + _more

# How a long, rambling report starts (third pass): who is speaking and since when, before the
# matter itself.
# fmt: off
RAMBLES = [
    "我是这个小区的老住户了，住了二十多年，", "我跟你们说啊，这个事情我已经说过好多次了，", "我家老头子让我打这个电话，",
    "不好意思打扰了，我就是想问问，", "我是租房子住的，房东也不管，", "我们几个邻居商量了一下，让我来说，",
    "我上个月就在网上留言了，一直没回复，", "白天上班没时间，晚上才打电话，", "你们社区的电话太难打了，",
]
# fmt: on


def _one(rng: random.Random, code: str, codes: list[str]) -> str:
    core = rng.choice(CORES[code])
    mode = rng.random()
    if mode < 0.06:  # a short text: the core alone, maybe with a particle or a typo
        text = core + rng.choice(PARTICLES)
        for a, b in rng.sample(TYPOS, 4):
            text = text.replace(a, b, 1) if rng.random() < 0.5 else text
        return text
    if mode < 0.14:  # a long, rambling one: who speaks, the matter twice, the consequence
        others = rng.sample(CORES[code], min(2, len(CORES[code])))
        parts = [rng.choice(RAMBLES), rng.choice(PLACES), core, "，", rng.choice(TIMES)]
        parts += ["，", rng.choice(["而且", "还有就是", "再一个", "就是说"]), others[0]]
        if rng.random() < 0.3:
            parts += ["，顺便问一下", rng.choice(CORES[rng.choice(codes)])]
        parts += ["，", rng.choice(TAILS[3:])]
        return "".join(parts).strip("，。 ")
    if rng.random() < 0.3:
        w, v = rng.sample(WORDS[code], 2)
        core = rng.choice(SAYINGS).format(w=w, v=v)
    parts = [rng.choice(OPENERS)]
    place, when = rng.choice(PLACES), rng.choice(TIMES)
    if rng.random() < 0.5:
        parts += [place, when, core]
    else:
        parts += [when, place, rng.choice(JOINERS), core]
    parts.append(rng.choice(PARTICLES))
    if rng.random() < 0.35:  # a second complaint about the same thing
        other = rng.choice(CORES[code])
        if other != core:
            parts += [rng.choice(JOINERS[1:]), rng.choice(["而且", "还有", "", "另外"]), other]
    if rng.random() < 0.08:  # a lesser, other topic mentioned in passing
        parts += ["。顺便说一下", rng.choice(CORES[rng.choice(codes)])]
    parts += [rng.choice(JOINERS), rng.choice(TAILS)]
    text = "".join(parts)
    if rng.random() < 0.3:
        for a, b in rng.sample(DIALECT, 2):
            text = text.replace(a, b, 1)
    if rng.random() < 0.2:
        for a, b in rng.sample(TYPOS, 3):
            text = text.replace(a, b, 1)
    if rng.random() < 0.05 and len(text) > 6:  # a dropped character
        i = rng.randrange(len(text))
        text = text[:i] + text[i + 1 :]
    return text.strip("，。 ") or core


def generate(seed: int = 23, per_category: int = 160) -> list[tuple[str, str]]:
    """``per_category`` distinct texts for every category, as (code, text), in a fixed order."""
    rng = random.Random(seed)  # noqa: S311 (a corpus, not a secret)
    codes = sorted(CORES)
    out: list[tuple[str, str]] = []
    for code in codes:
        seen: set[str] = set()
        tries = 0
        while len(seen) < per_category and tries < per_category * 20:
            tries += 1
            text = _one(rng, code, codes).replace("\t", " ").replace("\n", " ")
            if text not in seen:
                seen.add(text)
                out.append((code, text))
    return out


def write(path: Path, rows: list[tuple[str, str]]) -> None:
    path.write_text("".join(f"{code}\t{text}\n" for code, text in rows), encoding="utf-8")


def read(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _sep, text = line.partition("\t")
            rows.append((code.strip(), text.strip()))
    return rows


DATA = Path(__file__).resolve().parent / "data"
TRAIN = DATA / "train.tsv"
HELDOUT = DATA / "heldout.tsv"
TEST = DATA / "test.tsv"
HANDWRITTEN = DATA / "handwritten.tsv"


def training_rows() -> list[tuple[str, str]]:
    """What the shipped model learns from: the generated corpus and the hand-written texts."""
    return read(TRAIN) + read(HANDWRITTEN)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TRAIN
    write(target, generate())
    print(target)
