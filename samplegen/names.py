"""Common Chinese surnames and given-name characters for synthetic people (all GBK-encodable)."""

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
# Rough frequency ranking: earlier surnames are more common.
SURNAME_WEIGHTS = tuple(1.0 / (i + 8) for i in range(len(SURNAMES)))

GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红鹏辉"
    "宇浩然子涵梓轩欣怡雨萱一诺思彤梦琪佳琪嘉怡文博俊熙晨阳诗涵"
    "若曦睿泽宇航皓轩天佑铭昊语嫣可馨紫萱婉清乐瑶雅静家豪志远建国"
    "春燕海燕玉兰建华永刚新民晓东晓燕丹丹亚楠金凤国庆瑞雪浩宇子墨"
)

VILLAGE_CHARS = "东西南北前后大小新老王李张刘陈杨赵高马田孟宋楚范郭岗集庄营屯寨店桥河湾堤"
VILLAGE_SUFFIXES = ("村", "庄村", "营村", "集村", "屯村")

NEIGHBOUR_AREAS = ("410526", "410523", "410522", "410928", "130481", "410225")
